// The seeded generator (xoshiro128** reference outputs, state round trips) and annealed gradient
// noise: variance schedule, reproducibility, resume from a state dict, any rule, padding untouched.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, init, SGD, InvalidOptionError, StateDictError } from '../../src/index';
import { Random } from '../../src/random';
import { GradientNoise } from '../../src/toolkit/noise';

beforeAll(() => init());

describe('Random', () => {
  test('xoshiro128** matches the reference outputs for state {1, 2, 3, 4}', () => {
    const r = new Random(0);
    r.loadStateDict({ s: [1, 2, 3, 4], spare: null });
    expect(Array.from({ length: 6 }, () => r.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
  test('seeds give reproducible, distinct streams; state round-trips mid-stream', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 100 }, () => a.normal());
    expect(Array.from({ length: 100 }, () => b.normal())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.normal())).not.toEqual(xs);
    a.normal(); // leaves a spare cached
    const saved = JSON.parse(JSON.stringify(a.stateDict()));
    const d = new Random(7);
    d.loadStateDict(saved);
    expect(Array.from({ length: 9 }, () => d.normal())).toEqual(Array.from({ length: 9 }, () => a.normal()));
  });
  test('uniform in [0, 1), int without bias, normal moments, shuffle is a permutation', () => {
    const r = new Random(1);
    let mean = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const z = r.normal();
      mean += z / n;
      sq += (z * z) / n;
    }
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sq - 1)).toBeLessThan(0.05);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]++;
    for (const k of counts) expect(Math.abs(k - 1000)).toBeLessThan(120);
    const p = r.shuffle(Uint32Array.from({ length: 50 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => new Random(0.5)).toThrow(InvalidOptionError);
    expect(() => r.loadStateDict({ s: [0, 0, 0, 0], spare: null })).toThrow(StateDictError);
  });
});

describe('GradientNoise', () => {
  test('σ_t² = η / (1 + t)^γ, and the added noise has that variance', () => {
    const opt = new SGD({ w: [40000] }, { lr: 0.1 });
    const noise = new GradientNoise(opt, { eta: 0.3, seed: 5 });
    for (const t of [0, 1, 9]) {
      while (noise.t < t) noise.apply();
      expect(noise.sigma ** 2).toBeCloseTo(0.3 / (1 + t) ** 0.55, 15);
      const variance = noise.sigma ** 2;
      opt.zeroGrad();
      noise.apply();
      const g = opt.grad('w');
      const m = g.reduce((s, x) => s + x, 0) / g.length;
      const v = g.reduce((s, x) => s + (x - m) ** 2, 0) / g.length;
      expect(Math.abs(m)).toBeLessThan(4 * Math.sqrt(variance / g.length));
      expect(Math.abs(v / variance - 1)).toBeLessThan(0.03);
    }
  });
  test('same seed ⇒ identical training runs with any rule; a state dict resumes the stream', () => {
    const run = (Rule: typeof SGD | typeof Adam, split: boolean): Float32Array => {
      const mk = () => new Rule({ a: [5], b: [17] }, { lr: 0.01 });
      let opt = mk();
      let noise = new GradientNoise(opt, { eta: 1, seed: 11 });
      for (let step = 0; step < 10; step++) {
        if (split && step === 4) {
          const sd = opt.stateDict();
          const ns = JSON.parse(JSON.stringify(noise.stateDict()));
          const params = opt.tensorNames.map((n) => opt.param(n).slice());
          opt = mk();
          opt.loadStateDict(sd as never);
          opt.tensorNames.forEach((n, i) => opt.param(n).set(params[i]));
          noise = new GradientNoise(opt, { eta: 1, seed: 999 });
          noise.loadStateDict(ns);
        }
        for (const n of opt.tensorNames) opt.grad(n).set(opt.param(n).map((x) => 2 * x + 1));
        noise.apply();
        opt.step();
      }
      return Float32Array.from(opt.tensorNames.flatMap((n) => [...opt.param(n)]));
    };
    for (const Rule of [SGD, Adam]) {
      const a = run(Rule, false);
      expect(run(Rule, false)).toEqual(a);
      expect(run(Rule, true)).toEqual(a);
    }
  });
  test('padding in the grad slot stays zero; bad options are rejected', () => {
    const opt = new SGD({ a: [3], b: [5] }, { lr: 0.1 });
    new GradientNoise(opt, { eta: 1 }).apply();
    const slot = opt.slotView(0, 'grad');
    for (const t of opt.layout.groups[0].tensors) slot.slice(t.offset + t.size, t.offset + 16).forEach((x) => expect(x).toBe(0));
    expect(() => new GradientNoise(opt, { eta: -1 })).toThrow(/Invalid eta/);
    expect(() => new GradientNoise(opt, { sigma: 1 } as never)).toThrow(/Unknown option 'sigma'/);
    expect(() => new GradientNoise(opt).loadStateDict({ t: -1 } as never)).toThrow(StateDictError);
  });
});
