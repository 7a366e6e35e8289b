// AdaBound / AMSBound: the SIMD kernel against the float64 reference with the bounds active, the
// official update written out in float64 (base_lr held from construction, lr changed mid-run),
// base_lr as group state, and option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { AdaBound, init, InvalidOptionError } from '../../src/index';
import { adaboundSpec } from '../../src/rules/adabound';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

// With gamma large and finalLr near Adam's step sizes both bounds clip some elements every step.
const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, finalLr: 0.05, gamma: 0.5 },
  { lr: 1e-2, finalLr: 0.02, gamma: 0.1, amsbound: true, weightDecay: 0.1, betas: [0.8, 0.99] },
  { lr: 1e-2, gamma: 0, eps: 1e-6 },
  { lr: 1e-2, finalLr: 0.05, gamma: 0.3, eps: 0 },
];

describe.each(variants)('adabound kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adaboundSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adaboundSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, finalLr: 0.01 }], steps: 6,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adaboundSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

/** Luolc/AdaBound's `AdaBound.step` in float64; `lrAt(t)` is the group lr at step t, base_lr its initial value. */
function officialAdaBound(
  p0: ArrayLike<number>, grads: ArrayLike<number>[], lrAt: (t: number) => number,
  o: { beta1: number; beta2: number; finalLr: number; gamma: number; eps: number; wd: number; amsbound: boolean },
): { params: number[][]; clipped: number } {
  const p = Array.from(p0);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vmax = p.map(() => 0);
  const baseLr = lrAt(1);
  let clipped = 0;
  const params = grads.map((gr, k) => {
    const step = k + 1;
    const lr = lrAt(step);
    const bc1 = 1 - o.beta1 ** step;
    const bc2 = 1 - o.beta2 ** step;
    const stepSize = (lr * Math.sqrt(bc2)) / bc1;
    const finalLr = (o.finalLr * lr) / baseLr;
    const lower = finalLr * (1 - 1 / (o.gamma * step + 1));
    const upper = finalLr * (1 + 1 / (o.gamma * step));
    for (let i = 0; i < p.length; i++) {
      const g = gr[i] + o.wd * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      vmax[i] = Math.max(vmax[i], v[i]);
      const denom = Math.sqrt(o.amsbound ? vmax[i] : v[i]) + o.eps;
      const raw = stepSize / denom;
      const eta = Math.min(Math.max(raw, lower), upper);
      if (eta !== raw) clipped++;
      p[i] -= eta * m[i];
    }
    return [...p];
  });
  return { params, clipped };
}

describe('adabound vs the official update in float64', () => {
  const n = 29;
  const start = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1.5);
  const normal = gaussian(rng(13));
  const grads = Array.from({ length: 14 }, () => Float32Array.from({ length: n }, (_, i) => normal() * (0.2 + (i % 5))));

  test.each([false, true])('amsbound=%s, lr halved after step 6 (the bounds follow lr / base_lr)', (amsbound) => {
    const o = { beta1: 0.9, beta2: 0.999, finalLr: 0.05, gamma: 0.2, eps: 1e-8, wd: 0.05, amsbound };
    const lrAt = (t: number) => (t <= 6 ? 0.01 : 0.005);
    const opt = new AdaBound({ w: start }, { lr: 0.01, finalLr: o.finalLr, gamma: o.gamma, weightDecay: o.wd, amsbound });
    const { params, clipped } = officialAdaBound(start, grads, lrAt, o);
    expect(clipped).toBeGreaterThan(20); // the bounds were active
    grads.forEach((g, k) => {
      opt.paramGroups[0].lr = lrAt(k + 1);
      opt.grad('w').set(g);
      opt.step();
      expectAllClose(opt.param('w'), params[k], 1e-4, 1e-6, `step ${k + 1}`);
    });
    expect(opt.scalars().base_lr).toBe(0.01);
  });

  test('base_lr is per group, from construction, and travels in state dicts', () => {
    const opt = new AdaBound([{ params: { a: [3] }, lr: 0.01 }, { params: { b: [2] }, lr: 0.002 }]);
    expect(opt.scalars(0).base_lr).toBe(0.01);
    expect(opt.scalars(1).base_lr).toBe(0.002);
    opt.paramGroups[0].lr = 0.1;
    opt.grad('a').fill(1);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.state.a.base_lr).toBe(0.01);
    const other = new AdaBound([{ params: { a: [3] }, lr: 0.5 }, { params: { b: [2] }, lr: 0.5 }]);
    other.loadStateDict(sd);
    expect(other.scalars(0).base_lr).toBe(0.01);
    expect(other.scalars(1).base_lr).toBe(0.002);
  });

  test('step 1 by hand: inside the bounds it is Adam’s step (lr sign(g) for eps ≪ |g|); outside, clipped', () => {
    const opt = new AdaBound({ w: new Float32Array([0, 0, 0]) }, { lr: 0.01, finalLr: 0.05, gamma: 0.5 });
    // t = 1: stepSize / (sqrt(v) + eps) = 0.01 sqrt(0.001) / 0.1 / (sqrt(0.001) |g|) = 0.1 / |g|,
    // bounds [0.05 (1 − 1/1.5), 0.05 (1 + 1/0.5)] = [0.01667, 0.15]; m = 0.1 g.
    opt.grad('w').set([1, 0.5, 20]);
    opt.step();
    const eta = [0.1, 0.15, 0.05 / 3];
    const expected = [1, 0.5, 20].map((g, i) => -eta[i] * 0.1 * g);
    expect(Array.from(opt.param('w'))).toEqual(expected.map((x) => expect.closeTo(x, 6)));
  });

  test('padding stays zero in param, grad and the moments', () => {
    const opt = new AdaBound({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1, amsbound: true, eps: 0, gamma: 0.5 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of opt.layout.groups[0].slots) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (!tensors.some((t) => i >= t.offset && i < t.offset + t.size)) expect(view[i]).toBe(0);
      }
    }
  });
});

describe('adabound options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ betas: [0.9, 1] }, 'Invalid beta parameter at index 1: 1.0'],
    [{ finalLr: -0.1 }, 'Invalid final learning rate: -0.1'],
    [{ gamma: 1 }, 'Invalid gamma parameter: 1 (expected 0 <= gamma < 1)'],
    [{ gamma: 0, eps: 0 }, 'AdaBound with gamma = 0 (no upper bound) needs eps > 0'],
    [{ eps: -1 }, 'Invalid epsilon value: -1'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ amsbound: 'yes' }, 'Invalid amsbound: yes (expected true or false)'],
    [{ final_lr: 0.1 }, "Unknown option 'final_lr' for adabound; did you mean 'finalLr'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new AdaBound({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new AdaBound({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are the official code’s', () => {
    expect(adaboundSpec.defaults).toEqual({
      lr: 1e-3, betas: [0.9, 0.999], finalLr: 0.1, gamma: 1e-3, eps: 1e-8, weightDecay: 0, amsbound: false,
    });
  });
});
