/**
 * Measures where the pool pays on this machine, for `initThreads({ threads: 'auto' })`: Adam's
 * kernel over a scratch shared arena at a few sizes, on the calling thread alone and split across
 * the pool (steps back to back, as in a busy loop), interleaved and best-of-several so drifting
 * load hits both alike. The smallest size from which splitting is clearly faster becomes
 * `minElements`; if it is never faster (a VM whose "cores" share one physical core, or a machine
 * busy with other work), 'auto' runs on one thread.
 */
import { instantiateKernelBuild, type KernelBuild } from '../wasm/loader';
import type { WorkerPool } from './pool';

export interface CalibrationRow {
  readonly n: number;
  /** Best µs per call on the calling thread alone. */
  readonly oneUs: number;
  /** Best µs per call split across the pool. */
  readonly splitUs: number;
}

export interface Calibration {
  readonly rows: readonly CalibrationRow[];
  /** The smallest calibrated size from which splitting was at least `gain` faster, or undefined. */
  readonly minElements: number | undefined;
  readonly ms: number;
}

export const CALIBRATION_SIZES = [1 << 14, 1 << 16, 1 << 18, 1 << 20];
/** Splitting must be this much faster (time ratio) at a size, and at every larger size. */
const GAIN = 1.15;
const PAGE = 65536;

export async function calibrate(pool: WorkerPool, build: KernelBuild): Promise<Calibration> {
  const t0 = performance.now();
  const largest = CALIBRATION_SIZES[CALIBRATION_SIZES.length - 1];
  const pages = Math.ceil((PAGE + 4 * 4 * largest) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const direct = instantiateKernelBuild(memory, build);
  const attached = pool.attach(memory, direct, build);
  const f = new Float32Array(memory.buffer, PAGE, 4 * largest);
  for (let i = 0; i < f.length; i++) f[i] = ((i % 251) - 125) * 1e-3;
  await pool.whenReady();
  const p = PAGE;
  const g = p + 4 * largest;
  const m = g + 4 * largest;
  const v = m + 4 * largest;
  const run = (k: typeof direct, n: number): void => k.adam_step(p, g, m, v, 0, n, 1e-3, 0.1, 0.999, 0.001, 1e-8, 0, 1, 1, 0);
  const rows: CalibrationRow[] = [];
  const restore = pool.forceSplit();
  try {
    for (const n of CALIBRATION_SIZES) {
      const reps = Math.max(2, Math.round((1 << 19) / n));
      let one = Infinity;
      let split = Infinity;
      for (let round = 0; round < 4; round++) {
        // After split calls the workers spin for spinMs: let them fall asleep first, or the
        // one-thread calls would be slowed by a spinning sibling (SMT) and splitting flattered.
        await new Promise((r) => setTimeout(r, 2 + pool.options.spinMs));
        let s = performance.now();
        for (let r = 0; r < reps; r++) run(direct, n);
        one = Math.min(one, (performance.now() - s) / reps);
        s = performance.now();
        for (let r = 0; r < reps; r++) run(attached.kernels, n);
        split = Math.min(split, (performance.now() - s) / reps);
      }
      rows.push({ n, oneUs: one * 1e3, splitUs: split * 1e3 });
    }
  } finally {
    restore();
    attached.release();
  }
  let minElements: number | undefined;
  for (let i = rows.length - 1; i >= 0 && rows[i].oneUs >= GAIN * rows[i].splitUs; i--) minElements = rows[i].n;
  return { rows, minElements, ms: performance.now() - t0 };
}
