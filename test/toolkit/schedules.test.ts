// Schedules beyond the torch fixture: per-group values, closed forms derived by hand from torch's
// documented formulas, the schedules the fixture lacks, state dicts, and bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, SGD, init, InvalidOptionError, StateDictError } from '../../src/index';
import {
  ChainedScheduler, ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, ExponentialLR, LambdaLR, LinearLR,
  MultiplicativeLR, OneCycleLR, PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR, SWALR,
} from '../../src/schedules/index';

beforeAll(() => init());

const twoGroups = () => new SGD([{ params: { a: [2] }, lr: 0.1 }, { params: { b: [3] }, lr: 0.02 }], { momentum: 0.9 });

/** Lrs after construction and after each of `n` steps, per group. */
function trace(sched: { step(m?: number): void }, opt: { paramGroups: readonly { lr: number }[] }, n: number): number[][] {
  const out = [opt.paramGroups.map((g) => g.lr)];
  for (let t = 0; t < n; t++) {
    sched.step();
    out.push(opt.paramGroups.map((g) => g.lr));
  }
  return out;
}

function expectTrace(actual: number[][], expected: (t: number, group: number) => number, rtol = 1e-14): void {
  actual.forEach((lrs, t) => lrs.forEach((lr, g) => {
    const e = expected(t, g);
    expect(Math.abs(lr - e) <= rtol * Math.abs(e) + 1e-300, `epoch ${t} group ${g}: ${lr} vs ${e}`).toBe(true);
  }));
}

describe('closed forms, per parameter group', () => {
  const base = [0.1, 0.02];
  test('StepLR: η0 · γ^⌊t/s⌋', () => {
    const opt = twoGroups();
    expectTrace(trace(new StepLR(opt, { stepSize: 3, gamma: 0.5 }), opt, 12), (t, g) => base[g] * 0.5 ** Math.floor(t / 3));
  });
  test('ExponentialLR: η0 · γ^t', () => {
    const opt = twoGroups();
    expectTrace(trace(new ExponentialLR(opt, { gamma: 0.9 }), opt, 20), (t, g) => base[g] * 0.9 ** t, 1e-13);
  });
  test('CosineAnnealingLR: η_min + (η0 − η_min)(1 + cos(πt/T))/2 up to T', () => {
    const opt = twoGroups();
    expectTrace(trace(new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 }), opt, 10),
      (t, g) => 0.001 + ((base[g] - 0.001) * (1 + Math.cos((Math.PI * t) / 10))) / 2, 1e-12);
  });
  test('CosineAnnealingWarmRestarts: period 4 then 8 (tMult 2)', () => {
    const opt = twoGroups();
    const tcur = (t: number) => (t < 4 ? [t, 4] : t < 12 ? [t - 4, 8] : [t - 12, 16]);
    expectTrace(trace(new CosineAnnealingWarmRestarts(opt, { t0: 4, tMult: 2 }), opt, 20),
      (t, g) => (base[g] * (1 + Math.cos((Math.PI * tcur(t)[0]) / tcur(t)[1]))) / 2);
  });
  test('CosineAnnealingWarmRestarts.step(epoch) with fractional epochs', () => {
    const opt = twoGroups();
    const s = new CosineAnnealingWarmRestarts(opt, { t0: 4, tMult: 2 });
    s.step(1.5);
    expect(opt.paramGroups[0].lr).toBeCloseTo((0.1 * (1 + Math.cos((Math.PI * 1.5) / 4))) / 2, 15);
    s.step(13); // n = ⌊log2(13/4 + 1)⌋ = 2: T_i = 16, T_cur = 13 − 4·3 = 1
    expect(s.tI).toBe(16);
    expect(s.tCur).toBe(1);
    expect(() => s.step(-1)).toThrow(InvalidOptionError);
  });
  test('LinearLR: η0 (s + (e − s) min(t, T)/T)', () => {
    const opt = twoGroups();
    expectTrace(trace(new LinearLR(opt, { startFactor: 0.25, totalIters: 6 }), opt, 10),
      (t, g) => base[g] * (0.25 + (0.75 * Math.min(t, 6)) / 6), 1e-13);
  });
  test('ConstantLR: η0 f before T, η0 after', () => {
    const opt = twoGroups();
    expectTrace(trace(new ConstantLR(opt, { factor: 0.5, totalIters: 4 }), opt, 8), (t, g) => base[g] * (t < 4 ? 0.5 : 1));
  });
  test('PolynomialLR: η0 (1 − min(t, T)/T)^p', () => {
    const opt = twoGroups();
    expectTrace(trace(new PolynomialLR(opt, { totalIters: 8, power: 2 }), opt, 10),
      (t, g) => base[g] * (1 - Math.min(t, 8) / 8) ** 2, 1e-12);
  });
  test('LambdaLR with one function per group; MultiplicativeLR', () => {
    const opt = twoGroups();
    expectTrace(trace(new LambdaLR(opt, { lrLambda: [(e) => 1 / (1 + e), (e) => 0.5 ** e] }), opt, 6),
      (t, g) => base[g] * (g === 0 ? 1 / (1 + t) : 0.5 ** t));
    const opt2 = twoGroups();
    expectTrace(trace(new MultiplicativeLR(opt2, { lrLambda: () => 0.9 }), opt2, 6), (t, g) => base[g] * 0.9 ** t, 1e-13);
  });
  test('OneCycleLR with a max lr per group; momentum back at max at the end', () => {
    const opt = twoGroups();
    const s = new OneCycleLR(opt, { maxLr: [1, 0.5], totalSteps: 20, annealStrategy: 'linear', pctStart: 0.5 });
    // Phase 1 ends at step 9: linear from maxLr/25 to maxLr.
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1 / 25, 0.5 / 25]);
    expect(opt.paramGroups[0].momentum).toBe(0.95);
    for (let t = 1; t <= 9; t++) s.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(1, 14);
    expect(opt.paramGroups[1].lr).toBeCloseTo(0.5, 14);
    expect(opt.paramGroups[0].momentum).toBeCloseTo(0.85, 14);
    for (let t = 10; t <= 19; t++) s.step();
    expect(opt.paramGroups[0].lr).toBeCloseTo(1 / 25 / 1e4, 16);
    expect(opt.paramGroups[1].momentum).toBeCloseTo(0.95, 14);
    s.step(); // step 20 == totalSteps is allowed (as in torch); 21 is not
    const before = s.stateDict();
    expect(() => s.step()).toThrow(/Tried to step 22 times. The specified number of total steps is 20/);
    expect(s.stateDict()).toEqual(before);
  });
  test('CyclicLR triangular2 with per-group bounds and a custom scaleFn', () => {
    const opt = twoGroups();
    const s = new CyclicLR(opt, { baseLr: [0.01, 0.001], maxLr: [0.1, 0.01], stepSizeUp: 2, mode: 'triangular2' });
    const lrs = trace(s, opt, 8).map((l) => l[1]);
    // Cycle 1: 0.001, 0.0055, 0.01, 0.0055; cycle 2 at half amplitude: 0.001, 0.00325, 0.0055, ...
    [0.001, 0.0055, 0.01, 0.0055, 0.001, 0.00325, 0.0055, 0.00325, 0.001].forEach((e, t) => expect(lrs[t]).toBeCloseTo(e, 15));
    const opt2 = twoGroups();
    const s2 = new CyclicLR(opt2, { baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: (x) => 1 / (1 + x), scaleMode: 'iterations', cycleMomentum: false });
    expect(trace(s2, opt2, 3).map((l) => l[0])).toEqual([0, 0.5, 0, 0.25]);
  });
  test('SWALR anneals to swaLr (cos) and holds it', () => {
    const opt = twoGroups();
    const s = new SWALR(opt, { swaLr: [0.05, 0.01], annealEpochs: 4 });
    const lrs = trace(s, opt, 8);
    // With the lr set only by SWALR, η_k = α_k swaLr + (1 − α_k) η_0 with α_k = (1 − cos(π min(1, k/4)))/2.
    expectTrace(lrs, (t, g) => {
      const a = (1 - Math.cos(Math.PI * Math.min(1, t / 4))) / 2;
      return a * [0.05, 0.01][g] + (1 - a) * base[g];
    }, 1e-12);
  });
});

describe('any optimizer with live parameter groups', () => {
  test('a plain object (the shape DeviceOptimizer has) is scheduled like the wasm optimizer', () => {
    const plain = { paramGroups: [{ lr: 0.1, momentum: 0.9 }, { lr: 0.02, momentum: 0.9 }] };
    const real = twoGroups();
    const a = new OneCycleLR(plain, { maxLr: 1, totalSteps: 12 });
    const b = new OneCycleLR(real, { maxLr: 1, totalSteps: 12 });
    for (let t = 0; t < 12; t++) {
      a.step();
      b.step();
      expect(plain.paramGroups.map((g) => [g.lr, g.momentum])).toEqual(real.paramGroups.map((g) => [g.lr, g.momentum]));
    }
  });
});

describe('composition', () => {
  test('ChainedScheduler multiplies chainable factors', () => {
    const opt = twoGroups();
    const s = new ChainedScheduler([new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })]);
    // torch 1.13 gives 0.1, 0.09, 0.81, 0.729, 0.6561 for lr 1 (its docstring's list is shifted
    // by one step): ConstantLR multiplies by 1/f at t = totalIters. Group 0 starts at 0.1.
    const lrs = trace(s, opt, 4).map((l) => l[0]);
    [0.01, 0.009, 0.081, 0.0729, 0.06561].forEach((e, t) => expect(lrs[t]).toBeCloseTo(e, 15));
  });
  test('SequentialLR restarts the next schedule at its epoch 0 (torch docs example)', () => {
    const opt = new SGD({ w: [1] }, { lr: 1 });
    const s = new SequentialLR(opt, { schedulers: [new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [2] });
    const lrs = trace(s, opt, 4).map((l) => l[0]);
    [0.1, 0.1, 1, 0.9, 0.81].forEach((e, t) => expect(lrs[t]).toBeCloseTo(e, 15));
  });
  test('SequentialLR rejects a plateau schedule, other optimizers and wrong milestone counts', () => {
    const opt = twoGroups();
    const other = twoGroups();
    const a = new ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new SequentialLR(opt, { schedulers: [a, new ReduceLROnPlateau(opt) as never], milestones: [3] })).toThrow(InvalidOptionError);
    expect(() => new SequentialLR(opt, { schedulers: [a, new ExponentialLR(other, { gamma: 0.5 })], milestones: [3] })).toThrow(/same optimizer/);
    expect(() => new SequentialLR(opt, { schedulers: [a], milestones: [3] })).toThrow(/one more than the number of milestone/);
  });
});

describe('ReduceLROnPlateau', () => {
  test('reduces after patience, waits out the cooldown, respects minLr per group', () => {
    const opt = twoGroups();
    const s = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5, cooldown: 1, minLr: [0.03, 0] });
    const lr0 = () => opt.paramGroups[0].lr;
    s.step(1); // best
    s.step(1); // bad 1
    expect(lr0()).toBe(0.1);
    s.step(1); // bad 2 > patience: reduce, cooldown 1
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.01]);
    s.step(1); // in cooldown: not counted
    s.step(1); // bad 1
    s.step(1); // bad 2: reduce to max(0.025, 0.03)
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.03, 0.005]);
    expect(s.best).toBe(1);
    expect(() => s.step()).toThrow(/needs the metric/);
  });
  test('max mode and abs threshold; state with best = ±Infinity round-trips', () => {
    const opt = twoGroups();
    const s = new ReduceLROnPlateau(opt, { mode: 'max', thresholdMode: 'abs', threshold: 0.1 });
    expect(s.stateDict().best).toBe(-Infinity);
    expect(s.isBetter(1.11, 1)).toBe(true);
    expect(s.isBetter(1.09, 1)).toBe(false);
    const t = new ReduceLROnPlateau(twoGroups(), { mode: 'max', thresholdMode: 'abs', threshold: 0.1 });
    s.step(3);
    t.loadStateDict(s.stateDict());
    expect(t.best).toBe(3);
  });
});

describe('bad input', () => {
  test('typed errors with torch-like messages', () => {
    const opt = twoGroups();
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/Expected positive integer stepSize, but got 0/);
    expect(() => new StepLR(opt, { stepSize: 2, step_size: 3 } as never)).toThrow(/Unknown option 'step_size'/);
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(InvalidOptionError);
    expect(() => new CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 1.5 })).toThrow(/Expected positive integer tMult, but got 1.5/);
    expect(() => new OneCycleLR(opt, { maxLr: 1 })).toThrow(/totalSteps OR \(epochs AND stepsPerEpoch\)/);
    expect(() => new OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 5 })).toThrow(/expected 2 values for maxLr, got 3/);
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, annealStrategy: 'cosine' as never })).toThrow(/annealStrategy must be one of/);
    expect(() => new CyclicLR(opt, { baseLr: 0.1, maxLr: 1, mode: 'sine' as never })).toThrow(/mode is invalid/);
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/Factor should be < 1.0./);
    expect(() => new LambdaLR(opt, { lrLambda: [() => 1] })).toThrow(/Expected 2 lr_lambdas, but got 1/);
    expect(() => new StepLR({} as never, { stepSize: 1 })).toThrow(/needs an optimizer/);
  });
  test('momentum cycling needs momentum (SGD created with momentum > 0) or betas', () => {
    const plain = new SGD({ w: [1] }, { lr: 0.1 });
    expect(() => new OneCycleLR(plain, { maxLr: 1, totalSteps: 10 })).toThrow(/created with momentum 0/);
    expect(plain.paramGroups[0].lr).toBe(0.1);
    new OneCycleLR(plain, { maxLr: 1, totalSteps: 10, cycleMomentum: false });
    const adam = new Adam({ w: [1] }, { lr: 0.1, betas: [0.9, 0.99] });
    const c = new CyclicLR(adam, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2 });
    c.step();
    expect(adam.paramGroups[0].betas[0]).toBeCloseTo(0.85, 15);
    expect(adam.paramGroups[0].betas[1]).toBe(0.99);
    adam.step(); // the optimizer accepts what the schedule wrote
  });
  test('loadStateDict rejects another kind or bad fields and changes nothing', () => {
    const opt = twoGroups();
    const s = new StepLR(opt, { stepSize: 2 });
    s.step();
    const before = s.stateDict();
    expect(() => s.loadStateDict(new ExponentialLR(twoGroups(), { gamma: 0.5 }).stateDict())).toThrow(StateDictError);
    expect(() => s.loadStateDict({ ...before, baseLrs: [1] })).toThrow(/baseLrs/);
    expect(() => s.loadStateDict({ ...before, options: { stepSize: -1, gamma: 0.1 } })).toThrow(StateDictError);
    expect(s.stateDict()).toEqual(before);
  });
});
