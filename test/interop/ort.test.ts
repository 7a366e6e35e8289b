// edgeoptim/ort on ONNX Runtime Web's wasm EP (Node): the classifier head's training graph
// (forward + backward) against a float64 reference, and fine-tuning with WasmTrainer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { init, AdamW, Optimizer, RULES } from '../../src/index';
import {
  classifierInit, classifierPredictModel, classifierShapes, classifierTrainModel, gradName, targetsFor, WasmTrainer,
  type ClassifierHeadSpec,
} from '../../src/ort/index';
import { closeness, randomArray, rng } from '../helpers';

beforeAll(async () => {
  await init();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

/** Embeddings around one centre per class (a stand-in for a frozen encoder's outputs). */
function embeddings(n: number, spec: ClassifierHeadSpec, seed: number): { x: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const centres = Array.from({ length: spec.classes }, (_, c) => randomArray(spec.inputs, rng(1000 + c)));
  const x = new Float32Array(n * spec.inputs);
  const labels = new Int32Array(n);
  const noise = randomArray(n * spec.inputs, r, 2.5);
  for (let i = 0; i < n; i++) {
    const c = i % spec.classes;
    labels[i] = c;
    for (let j = 0; j < spec.inputs; j++) x[i * spec.inputs + j] = centres[c][j] + noise[i * spec.inputs + j];
  }
  return { x, labels };
}

/** The same loss and gradients in float64, element by element. */
function reference(spec: ClassifierHeadSpec, p: Record<string, ArrayLike<number>>, x: ArrayLike<number>, t: ArrayLike<number>) {
  const { inputs: d, classes: c } = spec;
  const h = spec.hidden ?? 0;
  const n = x.length / d;
  const dense = (inp: ArrayLike<number>, k: number, w: ArrayLike<number>, b: ArrayLike<number>, m: number) => {
    const out = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) {
      let s = b[o];
      for (let q = 0; q < k; q++) s += inp[i * k + q] * w[q * m + o];
      out[i * m + o] = s;
    }
    return out;
  };
  const pre = h ? dense(x, d, p.w1, p.b1, h) : null;
  const act = pre ? pre.map((v) => Math.max(v, 0)) : null;
  const z = h ? dense(act!, h, p.w2, p.b2, c) : dense(x, d, p.w, p.b, c);
  let loss = 0;
  const dz = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let o = 0; o < c; o++) mx = Math.max(mx, z[i * c + o]);
    let s = 0;
    for (let o = 0; o < c; o++) s += Math.exp(z[i * c + o] - mx);
    let w = 0;
    for (let o = 0; o < c; o++) w += t[i * c + o];
    for (let o = 0; o < c; o++) {
      const logp = z[i * c + o] - mx - Math.log(s);
      loss -= t[i * c + o] * logp;
      dz[i * c + o] = Math.exp(logp) * w - t[i * c + o];
    }
  }
  const outer = (a: ArrayLike<number>, k: number, g: ArrayLike<number>, m: number) => {
    const gw = new Float64Array(k * m);
    const gb = new Float64Array(m);
    for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) {
      gb[o] += g[i * m + o];
      for (let q = 0; q < k; q++) gw[q * m + o] += a[i * k + q] * g[i * m + o];
    }
    return [gw, gb];
  };
  if (!h) {
    const [gw, gb] = outer(x, d, dz, c);
    return { loss, grads: { w: gw, b: gb } as Record<string, Float64Array> };
  }
  const [gw2, gb2] = outer(act!, h, dz, c);
  const da = new Float64Array(n * h);
  for (let i = 0; i < n; i++) for (let q = 0; q < h; q++) {
    let s = 0;
    for (let o = 0; o < c; o++) s += dz[i * c + o] * p.w2[q * c + o];
    da[i * h + q] = pre![i * h + q] > 0 ? s : 0;
  }
  const [gw1, gb1] = outer(x, d, da, h);
  return { loss, grads: { w1: gw1, b1: gb1, w2: gw2, b2: gb2 } as Record<string, Float64Array> };
}

const cpu = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

const HEADS: [string, ClassifierHeadSpec][] = [
  ['linear', { inputs: 9, classes: 4 }],
  ['2-layer', { inputs: 9, hidden: 7, classes: 4 }],
];

describe.each(HEADS)('%s classifier head: the training graph', (_label, spec) => {
  const { x, labels } = embeddings(13, spec, 5);
  const t = targetsFor(labels, spec.classes);
  const params = classifierInit(spec, 3);

  it('the float64 reference gradients match finite differences of its loss', () => {
    const base = reference(spec, params, x, t);
    for (const [name, values] of Object.entries(params)) {
      const p64 = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)]));
      for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
        const h = 1e-6;
        p64[name][i] += h;
        const up = reference(spec, p64, x, t).loss;
        p64[name][i] -= 2 * h;
        const down = reference(spec, p64, x, t).loss;
        p64[name][i] += h;
        expect(Math.abs((up - down) / (2 * h) - base.grads[name][i])).toBeLessThan(1e-6);
      }
    }
  });

  it("ORT's wasm EP computes the same loss and gradients ('tensors' and 'flat' forms)", async () => {
    const ref = reference(spec, params, x, t);
    const n = labels.length;
    const session = await ort.InferenceSession.create(classifierTrainModel(spec));
    const feeds: Record<string, ort.Tensor> = { x: cpu(x, [n, spec.inputs]), targets: cpu(t, [n, spec.classes]) };
    const shapes = classifierShapes(spec);
    for (const [name, shape] of Object.entries(shapes)) feeds[name] = cpu(params[name], shape);
    const out = await session.run(feeds);
    expect(Math.abs((out.loss.data as Float32Array)[0] - ref.loss)).toBeLessThan(1e-5 * Math.max(1, ref.loss));
    expect(out.loss.dims).toEqual([]);
    for (const name of Object.keys(shapes)) {
      expect(closeness(out[gradName(name)].data as Float32Array, ref.grads[name], 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }
    // The flat form: the arena's whole param slot in, the whole grad slot out (padding zero).
    const opt = new Optimizer(RULES.sgd, params, { lr: 0.1 });
    const layout = opt.layout.groups[0];
    const flat = await ort.InferenceSession.create(classifierTrainModel(spec, { layout }));
    const fout = await flat.run({ x: feeds.x, targets: feeds.targets, params: cpu(opt.slotView(0, 'param'), [layout.slotLength]) });
    const grads = fout.grads.data as Float32Array;
    expect(grads.length).toBe(layout.slotLength);
    const covered = new Uint8Array(layout.slotLength);
    for (const tl of layout.tensors) {
      expect(Array.from(grads.subarray(tl.offset, tl.offset + tl.size))).toEqual(Array.from(out[gradName(tl.name)].data as Float32Array));
      covered.fill(1, tl.offset, tl.offset + tl.size);
    }
    grads.forEach((g, i) => { if (!covered[i]) expect(g).toBe(0); });
    await session.release();
    await flat.release();
  });
});

describe('fine-tuning with WasmTrainer (ORT wasm EP + the wasm arena)', () => {
  const spec: ClassifierHeadSpec = { inputs: 64, hidden: 32, classes: 5 };
  const train = embeddings(200, spec, 21);
  const test = embeddings(100, spec, 22);
  const targets = targetsFor(train.labels, spec.classes);
  const feeds = { x: cpu(train.x, [200, spec.inputs]), targets: cpu(targets, [200, spec.classes]) };

  async function accuracy(params: Record<string, Float32Array>): Promise<number> {
    const session = await ort.InferenceSession.create(classifierPredictModel(spec));
    const shapes = classifierShapes(spec);
    const out = await session.run({ x: cpu(test.x, [100, spec.inputs]), ...Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, cpu(params[k], s)])) });
    const probs = out.probs.data as Float32Array;
    let right = 0;
    for (let i = 0; i < 100; i++) {
      const row = probs.subarray(i * spec.classes, (i + 1) * spec.classes);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row.indexOf(Math.max(...row)) === test.labels[i]) right++;
    }
    await session.release();
    return right / 100;
  }

  it("AdamW fine-tunes the head; the 'flat' and 'tensors' forms and a hand-written loop agree exactly", async () => {
    const init0 = classifierInit(spec, 8);
    const shapes = classifierShapes(spec);
    const make = () => new AdamW(Object.fromEntries(Object.entries(init0).map(([k, v]) => [k, { shape: shapes[k], data: v }])), { lr: 0.01, weightDecay: 0.01 });
    const a = make();
    const b = make();
    const c = make();
    const trainer = await WasmTrainer.create(a, { ort, model: classifierTrainModel(spec) });
    const flat = await WasmTrainer.create(b, { ort, model: classifierTrainModel(spec, { layout: b.layout.groups[0] }), io: 'flat' });
    const manual = await ort.InferenceSession.create(classifierTrainModel(spec));
    const before = await accuracy(Object.fromEntries(a.tensorNames.map((n) => [n, a.param(n)])));
    const losses: number[] = [];
    const steps = 60;
    losses.push(await trainer.step(feeds)); // the first run sets up ORT's memory: not timed
    const t0 = performance.now();
    for (let s = 1; s < steps; s++) losses.push(await trainer.step(feeds));
    const ms = performance.now() - t0;
    for (let s = 0; s < steps; s++) await flat.step(feeds);
    for (let s = 0; s < steps; s++) {
      // What the README shows: feed the arena's views, copy the gradients in, step.
      const out = await manual.run({ ...feeds, ...Object.fromEntries(c.tensorNames.map((n) => [n, cpu(c.param(n), [...c.shape(n)])])) });
      for (const n of c.tensorNames) c.grad(n).set(out[gradName(n)].data as Float32Array);
      c.step();
    }
    for (const n of a.tensorNames) {
      expect(Array.from(b.param(n))).toEqual(Array.from(a.param(n)));
      expect(Array.from(c.param(n))).toEqual(Array.from(a.param(n)));
    }
    const after = await accuracy(Object.fromEntries(a.tensorNames.map((n) => [n, a.param(n)])));
    console.log(
      `[ort wasm EP] 2-layer head 64-32-5, batch 200: loss ${losses[0].toFixed(4)} -> ${losses[steps - 1].toFixed(4)}, `
        + `held-out accuracy ${before.toFixed(2)} -> ${after.toFixed(2)}; ${((steps - 1) / (ms / 1000)).toFixed(0)} steps/s (graph + step, this machine)`,
    );
    expect(losses[steps - 1]).toBeLessThan(losses[0] * 0.2);
    expect(after).toBeGreaterThan(0.8);
    await trainer.dispose();
    await flat.dispose();
    await manual.release();
  });

  it('names that do not match the graph are reported', async () => {
    const opt = new AdamW({ w: [3, 2], bias: [2] });
    await expect(WasmTrainer.create(opt, { ort, model: classifierTrainModel({ inputs: 3, classes: 2 }) })).rejects.toThrow(/lacks input 'bias'/);
  });
});
