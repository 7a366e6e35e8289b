// Weight averaging: SWA (equal-weight mean) and EMA against float64 references, swap/copy, SWA with
// SWALR in a training loop, state dicts.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, SGD, StateDictError, SWALR } from '../../src/index';
import { AveragedModel } from '../../src/toolkit/averaging';
import { expectAllClose, randomArray, rng } from '../helpers';

beforeAll(() => init());

const make = () => new SGD([{ params: { a: [3], b: [17] } }, { params: { c: [5] } }], { lr: 0.1 });

describe('AveragedModel', () => {
  test("'swa' is the running mean of the snapshots; 'ema' the exponential average", () => {
    const rand = rng(4);
    const opt = make();
    const swa = new AveragedModel(opt);
    const ema = new AveragedModel(opt, { strategy: 'ema', decay: 0.9 });
    const seen: Float64Array[] = [];
    let emaRef: Float64Array | undefined;
    for (let k = 0; k < 6; k++) {
      for (const n of opt.tensorNames) opt.param(n).set(randomArray(opt.param(n).length, rand));
      const cur = Float64Array.from(opt.tensorNames.flatMap((n) => [...opt.param(n)]));
      seen.push(cur);
      emaRef = emaRef ? emaRef.map((a, i) => 0.9 * a + 0.1 * cur[i]) : cur.slice();
      swa.updateParameters();
      ema.updateParameters();
    }
    const mean = seen[0].map((_, i) => seen.reduce((s, x) => s + x[i], 0) / seen.length);
    const flat = (m: AveragedModel) => Float32Array.from(opt.tensorNames.flatMap((n) => [...m.param(n)!]));
    expectAllClose(flat(swa), mean, 1e-6, 1e-6, 'swa');
    expectAllClose(flat(ema), emaRef!, 1e-6, 1e-6, 'ema');
    expect(swa.nAveraged).toBe(6);
  });
  test('swap exchanges averages and parameters (twice = identity); copyToParams; padding stays zero', () => {
    const opt = make();
    const m = new AveragedModel(opt);
    expect(m.param('a')).toBeNull();
    expect(() => m.swap()).toThrow(StateDictError);
    opt.param('a').set([1, 2, 3]);
    m.updateParameters();
    opt.param('a').set([3, 4, 5]);
    m.updateParameters();
    opt.param('a').set([9, 9, 9]);
    m.swap();
    expect([...opt.param('a')]).toEqual([2, 3, 4]);
    m.swap();
    expect([...opt.param('a')]).toEqual([9, 9, 9]);
    m.copyToParams();
    expect([...opt.param('a')]).toEqual([2, 3, 4]);
    const slot = opt.slotView(0, 'param');
    expect([...slot.subarray(3, 16)].every((x) => x === 0)).toBe(true);
    expect(() => m.param('zz')).toThrow(/Unknown tensor 'zz'/);
  });
  test('SWA with SWALR: average the iterates of the constant-lr phase', () => {
    // Minimize (θ − 1)² with noisy gradients; the SWA average lands closer to 1 than the last iterate.
    const opt = new SGD({ w: [64] }, { lr: 0.1 });
    const rand = rng(8);
    const avg = new AveragedModel(opt);
    const sched = new SWALR(opt, { swaLr: 0.05, annealEpochs: 5, annealStrategy: 'linear' });
    for (let epoch = 0; epoch < 300; epoch++) {
      const w = opt.param('w');
      const noise = randomArray(w.length, rand);
      opt.grad('w').set(w.map((x, i) => 2 * (x - 1) + noise[i]));
      opt.step();
      sched.step();
      if (epoch >= 50) avg.updateParameters();
    }
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.05, 15);
    const err = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((s, x) => s + (x - 1) ** 2, 0) / xs.length);
    expect(err(avg.param('w')!)).toBeLessThan(err(opt.param('w')) / 2);
  });
  test('state dict round trip; mismatched strategy or shapes rejected', () => {
    const opt = make();
    const m = new AveragedModel(opt, { strategy: 'ema', decay: 0.5 });
    opt.param('c').fill(2);
    m.updateParameters();
    const other = new AveragedModel(make(), { strategy: 'ema', decay: 0.5 });
    other.loadStateDict(m.stateDict());
    expect([...other.param('c')!]).toEqual([2, 2, 2, 2, 2]);
    expect(() => new AveragedModel(make()).loadStateDict(m.stateDict())).toThrow(/saved with ema/);
    expect(() => new AveragedModel(new SGD({ a: [3] }), { strategy: 'ema', decay: 0.5 }).loadStateDict(m.stateDict())).toThrow(StateDictError);
    expect(() => new AveragedModel(opt, { decay: 2 })).toThrow(/Invalid decay/);
  });
});
