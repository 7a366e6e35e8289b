// edgeoptim/tfjs: any edgeoptim rule as a TF.js optimizer, on TF.js's cpu and wasm backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, AdamW, RULES, clipGradNorm, InvalidOptionError, TensorError } from '../../src/index';
import { EdgeOptimizer, train } from '../../src/tfjs/index';
import { blobs, classifier, lossOf, maxDiff, weightsOf, CLASSES, FEATURES } from './tfjs-setup';
import { rng, randomArray } from '../helpers';

const BACKENDS = ['cpu', 'wasm'] as const;
const data = blobs(96, 7);

beforeAll(async () => {
  await init();
});

describe.each(BACKENDS)('TF.js %s backend', (backendName) => {
  let x: tf.Tensor2D;
  let y: tf.Tensor2D;

  beforeAll(async () => {
    expect(await tf.setBackend(backendName)).toBe(true);
    await tf.ready();
    x = tf.tensor2d(data.x, [data.labels.length, FEATURES]);
    y = tf.tensor2d(data.y, [data.labels.length, CLASSES]);
  });

  afterAll(() => {
    tf.dispose([x, y]);
    tf.disposeVariables();
  });

  it("one Adam step: both add ε to the bias-corrected √v̂ (TF.js's β^t in float32 is the only difference)", () => {
    const g0 = Float32Array.from([0.5, -2, 1e-3, 0, 3e-7]);
    const start = Float32Array.from([1, -1, 0.5, 0.25, 2]);
    const a = tf.variable(tf.tensor1d(start), true, `conv_a_${backendName}`);
    const b = tf.variable(tf.tensor1d(start), true, `conv_b_${backendName}`);
    const ours = train.adam({ lr: 0.1, eps: 1e-7 });
    const theirs = tf.train.adam(0.1, 0.9, 0.999, 1e-7);
    tf.tidy(() => {
      ours.applyGradients({ [a.name]: tf.tensor1d(g0) });
      theirs.applyGradients({ [b.name]: tf.tensor1d(g0) } as never);
    });
    const got = a.dataSync();
    const want = b.dataSync();
    for (let i = 0; i < g0.length; i++) {
      // At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) under both conventions (with
      // the "ε-hat" form of Keras' TF it would be lr·g/(|g| + ε·√(1 − β2)) instead).
      const update = (0.1 * g0[i]) / (Math.abs(g0[i]) + 1e-7);
      const ulp = 2 ** -22 * Math.max(1, Math.abs(start[i]));
      expect(Math.abs(got[i] - (start[i] - update))).toBeLessThanOrEqual(ulp);
      // TF.js keeps β2^t as a float32 variable: 1 − fround(0.999) is 1.3e-5 off 0.001, so its v̂ is
      // 1.3e-5 too large at t = 1 and its step ~6.4e-6 too small (relative).
      expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(7e-6 * Math.abs(update) + ulp);
    }
    ours.dispose();
    theirs.dispose();
    tf.dispose([a, b]);
  });

  it('a tf.sequential classifier trained by model.fit with train.adam matches tf.train.adam', async () => {
    const mine = classifier(11);
    const ref = classifier(11);
    expect(maxDiff(weightsOf(mine), weightsOf(ref)).abs).toBe(0);
    mine.compile({ optimizer: train.adam({ lr: 0.01, eps: 1e-7 }), loss: 'categoricalCrossentropy' });
    ref.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy' });
    const before = await lossOf(mine, x, y);
    const diffs: { abs: number; rel: number }[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      // 96 examples in batches of 16, unshuffled: 6 optimizer steps per epoch, 30 in all.
      await mine.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      await ref.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      diffs.push(maxDiff(weightsOf(mine), weightsOf(ref)));
    }
    const after = await lossOf(mine, x, y);
    const last = diffs[diffs.length - 1];
    console.log(`[${backendName}] Adam vs tf.train.adam after 30 steps: max |Δθ| ${last.abs.toExponential(2)}, max rel ${last.rel.toExponential(2)}; loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
    // TF.js keeps β^t in float32 and divides m and v separately; edgeoptim folds the corrections
    // in float64. The weights move by ~0.3 over the run; the difference stays at rounding level.
    expect(last.abs).toBeLessThan(2e-5);
    expect(after).toBeLessThan(before * 0.6);
    mine.dispose();
    ref.dispose();
  });

  it('applyGradients writes exactly what the core optimizer computes (AdamW, bias group without decay)', () => {
    const r = rng(3);
    const w0 = randomArray(12, r);
    const b0 = randomArray(4, r);
    const w = tf.variable(tf.tensor2d(w0, [3, 4]), true, `w_${backendName}`);
    const b = tf.variable(tf.tensor1d(b0), true, `b_${backendName}`);
    const opt = train.adamw({ lr: 0.05, weightDecay: 0.1 }, { groups: [{ match: /^b_/, weightDecay: 0 }] });
    const ref = new AdamW([{ params: { [w.name]: w0 } }, { params: { [b.name]: b0 }, weightDecay: 0 }], { lr: 0.05, weightDecay: 0.1 });
    for (let step = 0; step < 20; step++) {
      const gw = randomArray(12, r);
      const gb = randomArray(4, r);
      tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.tensor2d(gw, [3, 4]) }, { name: b.name, tensor: tf.tensor1d(gb) }]));
      ref.setGrad(w.name, gw);
      ref.setGrad(b.name, gb);
      ref.step();
    }
    expect(Array.from(w.dataSync())).toEqual(Array.from(ref.param(w.name)));
    expect(Array.from(b.dataSync())).toEqual(Array.from(ref.param(b.name)));
    expect(opt.core.paramGroups.map((g) => (g as unknown as { weightDecay: number }).weightDecay)).toEqual([0.1, 0]);
    expect(opt.iterations).toBe(20);
    opt.dispose();
    tf.dispose([w, b]);
  });

  const LACKING = ['adamw', 'qhadam', 'hvadam', 'radam'].filter((r) => RULES[r]);
  it.each(LACKING)('model.fit trains with %s, a rule TF.js lacks', async (rule) => {
    const model = classifier(5);
    const lr = rule === 'radam' ? 0.03 : 0.01;
    model.compile({ optimizer: train[rule]({ lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = await lossOf(model, x, y);
    const history = await model.fit(x, y, { epochs: 8, batchSize: 32, shuffle: false, verbose: 0 });
    const after = await lossOf(model, x, y);
    const acc = history.history.acc as number[];
    console.log(`[${backendName}] ${rule}: loss ${before.toFixed(4)} -> ${after.toFixed(4)}, accuracy ${acc[acc.length - 1].toFixed(3)}`);
    expect(after).toBeLessThan(before * 0.7);
    expect((model.optimizer as EdgeOptimizer).core.stepCount()).toBe(24);
    model.dispose();
  });

  it('no tensor leaks: tf.memory().numTensors is flat over many fit and minimize steps', async () => {
    for (const inPlace of [false, true]) {
      const model = classifier(9);
      model.compile({ optimizer: train.adamw({ lr: 0.01 }, { inPlace }), loss: 'categoricalCrossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 }); // first step builds everything
      const start = tf.memory().numTensors;
      await model.fit(x, y, { epochs: 10, batchSize: 32, verbose: 0 }); // 30 more steps
      expect(tf.memory().numTensors).toBe(start);
      model.dispose();
    }
    const v = tf.variable(tf.randomNormal([50, 20]), true, `leak_${backendName}`);
    const opt = train.qhadam ? train.qhadam({ lr: 0.01 }) : train.adam({ lr: 0.01 });
    const loss = () => tf.tidy(() => tf.sum(tf.square(v)) as tf.Scalar);
    opt.minimize(loss);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) opt.minimize(loss);
    expect(tf.memory().numTensors).toBe(start);
    const w = await opt.getWeights();
    await opt.getWeights(); // the first set is released here
    expect(w.every(({ tensor }) => tensor.isDisposed)).toBe(true);
    opt.dispose();
    v.dispose();
  });

  it('inPlace overwrites the variables memory unless another tensor shares it', () => {
    const r = rng(4);
    const start = randomArray(64, r);
    const a = tf.variable(tf.tensor1d(start), true, `ip_a_${backendName}`);
    const b = tf.variable(tf.tensor1d(start), true, `ip_b_${backendName}`);
    const inPlace = train.adam({ lr: 0.01 }, { inPlace: true });
    const assign = train.adam({ lr: 0.01 });
    const held = tf.clone(a); // shares a's memory until a is written
    for (let i = 0; i < 5; i++) {
      const g = randomArray(64, r);
      tf.tidy(() => {
        inPlace.applyGradients({ [a.name]: tf.tensor1d(g) });
        assign.applyGradients({ [b.name]: tf.tensor1d(g) });
      });
      if (i === 0) expect(inPlace.lastWrite).toEqual({ inPlace: 0, assigned: 1 }); // the clone shares it
      else expect(inPlace.lastWrite).toEqual({ inPlace: 1, assigned: 0 });
    }
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(held.dataSync())).toEqual(Array.from(start));
    tf.dispose([a, b, held]);
    inPlace.dispose();
    assign.dispose();
  });

  it('values assigned from outside (model.setWeights) are picked up before the next step', async () => {
    const model = classifier(2);
    const opt = train.sgd({ lr: 0.1 });
    model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 96, verbose: 0 });
    const reset = classifier(3);
    model.setWeights(reset.getWeights());
    const twin = classifier(3);
    twin.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 96, verbose: 0 });
    await twin.fit(x, y, { epochs: 1, batchSize: 96, verbose: 0 });
    expect(maxDiff(weightsOf(model), weightsOf(twin)).abs).toBeLessThan(1e-6);
    model.dispose();
    reset.dispose();
    twin.dispose();
  });

  it('a variable seen later joins as a new group; the others keep their state', () => {
    const a = tf.variable(tf.ones([5]), true, `late_a_${backendName}`);
    const b = tf.variable(tf.ones([3]), true, `late_b_${backendName}`);
    const opt = train.adam({ lr: 0.1 });
    tf.tidy(() => opt.applyGradients({ [a.name]: tf.ones([5]) }));
    const m = opt.core.state(a.name, 'exp_avg').slice();
    tf.tidy(() => opt.applyGradients({ [a.name]: tf.ones([5]), [b.name]: tf.ones([3]) }));
    expect(opt.core.paramGroups.length).toBe(2);
    expect(opt.core.stepCount(0)).toBe(2);
    expect(opt.core.stepCount(1)).toBe(1);
    expect(opt.core.state(a.name, 'exp_avg')[0]).toBeCloseTo(0.9 * m[0] + 0.1, 6);
    // Every tensor steps at t = 1 by lr·sign(g): b's first step.
    expect(b.dataSync()[0]).toBeCloseTo(0.9, 5);
    opt.dispose();
    tf.dispose([a, b]);
  });

  it('model.save({ includeOptimizer }) and tf.loadLayersModel restore the rule, options and state', async () => {
    const model = classifier(8);
    model.compile({
      optimizer: train.adamw({ lr: 0.02, weightDecay: 0.05 }, { groups: [{ match: /bias/, weightDecay: 0 }, { match: ['no_such_var'], lr: 0.5 }] }),
      loss: 'categoricalCrossentropy',
    });
    await model.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const restored = loaded.optimizer as EdgeOptimizer;
    expect(restored).toBeInstanceOf(EdgeOptimizer);
    expect(restored.rule).toBe('adamw');
    // One more epoch on both: the restored optimizer continues exactly where the original was.
    await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    await loaded.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
    expect(maxDiff(weightsOf(loaded), weightsOf(model)).abs).toBe(0);
    expect(restored.core.paramGroups.map((g) => (g as unknown as { weightDecay: number }).weightDecay)).toEqual([0.05, 0]);
    expect(restored.iterations).toBe((model.optimizer as EdgeOptimizer).iterations);
    model.dispose();
    loaded.dispose();
  });

  it('beforeStep sees the gradients in the arena (clipping), and learningRate maps to lr', () => {
    const v = tf.variable(tf.zeros([4]), true, `clip_${backendName}`);
    const norms: number[] = [];
    const opt = train.sgd({ lr: 1 }, { beforeStep: (core) => norms.push(clipGradNorm(core, 1)) });
    tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor1d([3, 4, 0, 0]) }));
    expect(norms[0]).toBeCloseTo(5, 6);
    expect(Array.from(v.dataSync()).map((z) => +z.toFixed(5))).toEqual([-0.6, -0.8, 0, 0]);
    opt.learningRate = 0.5;
    expect(opt.core.paramGroups[0].lr).toBe(0.5);
    expect(opt.learningRate).toBe(0.5);
    opt.dispose();
    v.dispose();
  });

  it('bad input throws typed errors and changes nothing', () => {
    expect(() => new EdgeOptimizer('adamm')).toThrow(InvalidOptionError);
    expect(() => train.adam({ weight_decay: 0.1 })).toThrow(/weightDecay/);
    expect(() => train.adam({ lr: -1 })).toThrow(InvalidOptionError);
    expect(() => train.adam({}, { groups: [{ match: 3 as unknown as RegExp }] })).toThrow(InvalidOptionError);
    const v = tf.variable(tf.ones([3]), true, `bad_${backendName}`);
    const opt = train.adam();
    expect(() => tf.tidy(() => opt.applyGradients({ [v.name]: tf.ones([4]) }))).toThrow(TensorError);
    expect(() => tf.tidy(() => opt.applyGradients({ nope: tf.ones([3]) }))).toThrow(/no variable named 'nope'/);
    expect(Array.from(v.dataSync())).toEqual([1, 1, 1]);
    expect(() => opt.core).toThrow(/first applyGradients/);
    expect(() => train.adam({}, { groups: [{ match: () => true }] }).getConfig()).toThrow(/cannot be serialized/);
    opt.dispose();
    v.dispose();
  });
});
