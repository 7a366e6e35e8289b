// Resume: train, checkpoint, restore into fresh objects, continue — identical, bit for bit, to an
// uninterrupted run. Exercises every toolkit piece together: schedule (with momentum cycling),
// accumulation, clipping, gradient noise, EMA, early stopping and the mini-batch sampler.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  Adam, AveragedModel, clipGradNorm, clipGradValue, CosineAnnealingLR, EarlyStopping, GradAccumulator, GradientNoise, init,
  LinearLR, loadCheckpoint, MiniBatchSampler, OneCycleLR, saveCheckpoint, SequentialLR, SGD, type Scheduler,
} from '../../src/index';
import { gaussian, rng } from '../helpers';

beforeAll(() => init());

// A two-layer-free regression: y = x·w_true + b_true + noise, loss = mean squared error.
const D = 6;
const N = 40;
const normal = gaussian(rng(12));
const X = Array.from({ length: N }, () => Array.from({ length: D }, normal));
const Y = X.map((x) => x.reduce((s, v, j) => s + v * Math.sin(j + 1), 0.3) + 0.05 * normal());

function grads(w: Float32Array, b: Float32Array, rows: ArrayLike<number>) {
  const gw = new Float32Array(D);
  const gb = new Float32Array(1);
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    const r = X[i].reduce((s, v, j) => s + v * w[j], b[0]) - Y[i];
    for (let j = 0; j < D; j++) gw[j] += (2 * r * X[i][j]) / rows.length;
    gb[0] += (2 * r) / rows.length;
  }
  return { w: gw, b: gb };
}

const loss = (w: Float32Array, b: Float32Array) => X.reduce((s, x, i) => s + (x.reduce((t, v, j) => t + v * w[j], b[0]) - Y[i]) ** 2, 0) / N;

interface Run {
  opt: Adam | SGD;
  sched: Scheduler;
  acc: GradAccumulator;
  noise: GradientNoise;
  ema: AveragedModel;
  stop: EarlyStopping;
  sampler: MiniBatchSampler;
}

const EPOCHS = 6;
const BATCH = 5;

function adamRun(): Run {
  const opt = new Adam([{ params: { w: [D] } }, { params: { b: [1] }, lr: 0.05 }], { lr: 0.01, weightDecay: 1e-3 });
  const sched = new OneCycleLR(opt, { maxLr: [0.05, 0.02], totalSteps: (EPOCHS * N) / BATCH / 2 });
  const noise = new GradientNoise(opt, { eta: 0.01, seed: 3 });
  const ema = new AveragedModel(opt, { strategy: 'ema', decay: 0.9 });
  const acc = new GradAccumulator(opt, {
    steps: 2,
    beforeStep: () => {
      noise.apply();
      clipGradNorm(opt, 1);
    },
    afterStep: () => {
      sched.step();
      ema.updateParameters();
    },
  });
  return { opt, sched, acc, noise, ema, stop: new EarlyStopping(opt, { patience: 50 }), sampler: new MiniBatchSampler(N, { batchSize: BATCH, seed: 7 }) };
}

function sgdRun(): Run {
  const opt = new SGD([{ params: { w: [D] } }, { params: { b: [1] } }], { lr: 0.05, momentum: 0.9, nesterov: true });
  const sched = new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 4 }), new CosineAnnealingLR(opt, { tMax: 20 })], milestones: [4] });
  const noise = new GradientNoise(opt, { eta: 0.3, seed: 9 });
  const ema = new AveragedModel(opt);
  const acc = new GradAccumulator(opt, {
    steps: 3,
    beforeStep: () => {
      noise.apply();
      clipGradValue(opt, 0.5);
    },
    afterStep: () => {
      sched.step();
      ema.updateParameters();
    },
  });
  return { opt, sched, acc, noise, ema, stop: new EarlyStopping(opt, { patience: 50, restoreBest: true }), sampler: new MiniBatchSampler(N, { batchSize: BATCH, seed: 2 }) };
}

const components = (r: Run) => ({ accumulator: r.acc, noise: r.noise, ema: r.ema, stopping: r.stop, sampler: r.sampler });

/** Trains from the sampler's current epoch to `untilEpoch`, or returns a checkpoint taken after batch `stopAfterBatch`. */
function train(r: Run, untilEpoch: number, stopAfterBatch?: { epoch: number; batch: number }): Uint8Array | undefined {
  while (r.sampler.epoch < untilEpoch) {
    const epoch = r.sampler.epoch;
    const batches = r.sampler.nextEpoch();
    for (const [i, rows] of batches.entries()) {
      const g = grads(r.opt.param('w'), r.opt.param('b'), rows);
      r.acc.microBatch(g);
      if (stopAfterBatch && stopAfterBatch.epoch === epoch && stopAfterBatch.batch === i) {
        // Mid-epoch: the sampler already advanced; the caller resumes with the rest of this epoch.
        return saveCheckpoint(r.opt, { schedule: r.sched, components: components(r), grads: true, metadata: { batch: String(i) } });
      }
    }
    r.stop.step(loss(r.opt.param('w'), r.opt.param('b')));
  }
  return undefined;
}

/** Runs the rest of epoch `fromEpoch` from batch `fromBatch` (after a mid-epoch resume). */
function finish(r: Run, fromEpoch: number, fromBatch: number): void {
  for (const rows of r.sampler.batchesOf(fromEpoch).slice(fromBatch)) r.acc.microBatch(grads(r.opt.param('w'), r.opt.param('b'), rows));
  r.stop.step(loss(r.opt.param('w'), r.opt.param('b')));
}

function fingerprint(r: Run): string {
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength))).join(',');
  return JSON.stringify({
    params: r.opt.tensorNames.map((n) => bits(r.opt.param(n))),
    grads: r.opt.tensorNames.map((n) => bits(r.opt.grad(n))),
    state: JSON.stringify(r.opt.stateDict(), (_k, v) => (v instanceof Float32Array ? bits(v) : v)),
    sched: JSON.stringify(r.sched.stateDict()),
    rest: JSON.stringify(Object.values(components(r)).map((c) => c.stateDict()), (_k, v) => (v instanceof Float32Array ? bits(v) : v === Infinity ? 'inf' : v)),
  });
}

describe.each([['Adam + OneCycleLR (betas cycling) + clipGradNorm', adamRun], ['SGD-Nesterov + SequentialLR + clipGradValue', sgdRun]] as const)('%s', (_, make) => {
  test('checkpoint at an epoch boundary, restore into fresh objects, continue: bit for bit', () => {
    const straight = make();
    train(straight, EPOCHS);
    const first = make();
    train(first, 3);
    const bytes = saveCheckpoint(first.opt, { schedule: first.sched, components: components(first) });
    const resumed = make();
    loadCheckpoint(bytes, resumed.opt, { schedule: resumed.sched, components: components(resumed) });
    train(resumed, EPOCHS);
    expect(fingerprint(resumed)).toBe(fingerprint(straight));
    expect(straight.opt.stepCount(0)).toBeGreaterThan(10);
    // Control: restoring the optimizer and schedule but not the noise generator diverges.
    const partial = make();
    const { noise: _skipped, ...others } = components(partial);
    loadCheckpoint(bytes, partial.opt, { schedule: partial.sched, components: others });
    train(partial, EPOCHS);
    expect(fingerprint(partial)).not.toBe(fingerprint(straight));
    expect(loss(straight.opt.param('w'), straight.opt.param('b'))).toBeLessThan(loss(new Float32Array(D), new Float32Array(1)));
  });

  test('checkpoint mid-epoch inside an accumulation window (with grads), continue: bit for bit', () => {
    const straight = make();
    train(straight, EPOCHS);
    const first = make();
    const bytes = train(first, EPOCHS, { epoch: 2, batch: 2 })!;
    const resumed = make();
    const meta = loadCheckpoint(bytes, resumed.opt, { schedule: resumed.sched, components: components(resumed) });
    expect(resumed.acc.count).toBeGreaterThan(0);
    finish(resumed, 2, Number(meta.batch) + 1);
    train(resumed, EPOCHS);
    expect(fingerprint(resumed)).toBe(fingerprint(straight));
  });
});
