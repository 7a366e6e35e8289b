// A seeded 2-D classification task: K interleaved spiral arms. Hard enough that optimizers
// differ, small enough to train in seconds on one core.

export interface Dataset {
  /** Row-major [count, features]. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly count: number;
  readonly features: number;
  readonly classes: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function spirals({ perClass = 300, classes = 3, noise = 0.2, turns = 1.0, seed = 7 } = {}): Dataset {
  const rand = mulberry32(seed);
  const count = perClass * classes;
  const x = new Float32Array(count * 2);
  const y = new Int32Array(count);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = c * perClass + i;
      const r = i / perClass;
      const t = (c * 2 * Math.PI) / classes + turns * 2 * Math.PI * r + noise * (rand() - 0.5) * 2;
      x[2 * k] = r * Math.sin(t);
      x[2 * k + 1] = r * Math.cos(t);
      y[k] = c;
    }
  }
  return { x, y, count, features: 2, classes };
}

/** Splits off every `every`-th sample as a held-out set. */
export function split(d: Dataset, every = 5): { train: Dataset; test: Dataset } {
  const pick = (keep: (i: number) => boolean): Dataset => {
    const idx = [...Array(d.count).keys()].filter(keep);
    const x = new Float32Array(idx.length * d.features);
    const y = new Int32Array(idx.length);
    idx.forEach((src, k) => {
      x.set(d.x.subarray(src * d.features, (src + 1) * d.features), k * d.features);
      y[k] = d.y[src];
    });
    return { ...d, x, y, count: idx.length };
  };
  return { train: pick((i) => i % every !== 0), test: pick((i) => i % every === 0) };
}
