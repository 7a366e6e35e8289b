// AdaBelief: the SIMD kernel against the float64 reference (plain, AMSGrad, rectified with its SGD
// fallback), the official adabelief-pytorch update written out in float64, and option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { AdaBelief, init, InvalidOptionError } from '../../src/index';
import { adabeliefSpec } from '../../src/rules/adabelief';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

// Rectified runs use β2 = 0.9 and 8 steps so both the SGD fallback (ρ_t < 5 until step 6) and the
// rectified adaptive step are exercised.
const variants: [Record<string, unknown>, number][] = [
  [{ lr: 1e-2 }, 5],
  [{ lr: 1e-2, eps: 1e-8, weightDecay: 0.1, decoupled: false }, 5],
  [{ lr: 1e-2, eps: 1e-12, weightDecay: 0.3, amsgrad: true, betas: [0.8, 0.99] }, 5],
  [{ lr: 1e-2, eps: 1e-8, rectify: true, betas: [0.9, 0.9], weightDecay: 0.1 }, 8],
];

describe.each(variants)('adabelief kernel vs float64 reference %j', (options, steps) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adabeliefSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adabeliefSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.95] }], steps,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adabeliefSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, steps });
  });
});

/** The official adabelief-pytorch step (weight_decouple, fixed_decay=False, degenerated_to_sgd=True) in float64. */
function officialAdaBelief(
  p0: ArrayLike<number>, grads: ArrayLike<number>[],
  o: { lr: number; beta1: number; beta2: number; eps: number; wd: number; decouple: boolean; amsgrad: boolean; rectify: boolean },
): number[][] {
  const p = Array.from(p0);
  const m = p.map(() => 0);
  const s = p.map(() => 0);
  const smax = p.map(() => 0);
  const out: number[][] = [];
  grads.forEach((gr, k) => {
    const step = k + 1;
    const g = Array.from(gr);
    if (o.decouple) for (let i = 0; i < p.length; i++) p[i] *= 1 - o.lr * o.wd;
    else for (let i = 0; i < p.length; i++) g[i] += o.wd * p[i];
    const bc1 = 1 - o.beta1 ** step;
    const bc2 = 1 - o.beta2 ** step;
    const denom: number[] = [];
    for (let i = 0; i < p.length; i++) {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      const res = g[i] - m[i];
      s[i] = o.beta2 * s[i] + (1 - o.beta2) * res * res;
      s[i] += o.eps; // exp_avg_var.add_(eps), in place
      if (o.amsgrad) smax[i] = Math.max(smax[i], s[i]);
      denom.push(Math.sqrt(o.amsgrad ? smax[i] : s[i]) / Math.sqrt(bc2) + o.eps);
    }
    if (!o.rectify) {
      for (let i = 0; i < p.length; i++) p[i] -= (o.lr / bc1) * (m[i] / denom[i]);
    } else {
      const beta2t = o.beta2 ** step;
      const nMax = 2 / (1 - o.beta2) - 1;
      const nSma = nMax - (2 * step * beta2t) / (1 - beta2t);
      if (nSma >= 5) {
        const stepSize = Math.sqrt(((1 - beta2t) * (nSma - 4)) / (nMax - 4) * ((nSma - 2) / nSma) * (nMax / (nMax - 2))) / bc1;
        for (let i = 0; i < p.length; i++) p[i] -= stepSize * o.lr * (m[i] / (Math.sqrt(s[i]) + o.eps));
      } else {
        for (let i = 0; i < p.length; i++) p[i] -= (o.lr / bc1) * m[i];
      }
    }
    out.push([...p]);
  });
  return out;
}

describe('adabelief vs the official update in float64', () => {
  const n = 27;
  const start = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1.5);
  const normal = gaussian(rng(11));
  const grads = Array.from({ length: 12 }, () => Float32Array.from({ length: n }, (_, i) => normal() + 0.5 * Math.sin(i)));
  const cases: [string, Record<string, unknown>, { decouple: boolean; amsgrad: boolean; rectify: boolean; beta2: number; eps: number }][] = [
    ['defaults (decoupled, eps 1e-16)', { lr: 0.01, weightDecay: 0.2 }, { decouple: true, amsgrad: false, rectify: false, beta2: 0.999, eps: 1e-16 }],
    ['coupled L2, eps 1e-8', { lr: 0.01, weightDecay: 0.2, decoupled: false, eps: 1e-8 }, { decouple: false, amsgrad: false, rectify: false, beta2: 0.999, eps: 1e-8 }],
    ['amsgrad', { lr: 0.01, weightDecay: 0.2, amsgrad: true, eps: 1e-8 }, { decouple: true, amsgrad: true, rectify: false, beta2: 0.999, eps: 1e-8 }],
    ['rectify, SGD fallback then rectified', { lr: 0.01, weightDecay: 0.2, rectify: true, betas: [0.9, 0.9], eps: 1e-8 },
      { decouple: true, amsgrad: false, rectify: true, beta2: 0.9, eps: 1e-8 }],
  ];
  test.each(cases)('%s', (_label, options, c) => {
    const opt = new AdaBelief({ w: start }, options);
    const expected = officialAdaBelief(start, grads, { lr: 0.01, beta1: 0.9, wd: 0.2, ...c });
    grads.forEach((g, k) => {
      opt.grad('w').set(g);
      opt.step();
      expectAllClose(opt.param('w'), expected[k], 1e-4, 1e-6, `step ${k + 1}`);
    });
  });

  test('step 1 by hand: m = (1 − β1)g, s = (1 − β2)(β1 g)² + ε, θ −= γ g / (sqrt(s/(1 − β2)) + ε) = γ g / (β1|g| + …)', () => {
    const opt = new AdaBelief({ w: new Float32Array([1, 1]) }, { lr: 0.1, eps: 1e-16 });
    opt.grad('w').set([0.5, -3]);
    opt.step();
    // (g − m)² = (0.9 g)², so sqrt(ŝ) = 0.9|g|: the first step is γ sign(g) / 0.9.
    expect(Array.from(opt.param('w'))).toEqual([expect.closeTo(1 - 0.1 / 0.9, 6), expect.closeTo(1 + 0.1 / 0.9, 6)]);
    expect(Array.from(opt.state('w', 'exp_avg_var'))).toEqual([
      expect.closeTo(0.001 * 0.45 ** 2, 9), expect.closeTo(0.001 * 2.7 ** 2, 9),
    ]);
  });

  test('padding stays zero in param, grad and m', () => {
    const opt = new AdaBelief({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1, eps: 1e-8, rectify: true });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 8; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of ['param', 'grad', 'exp_avg']) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (!tensors.some((t) => i >= t.offset && i < t.offset + t.size)) expect(view[i]).toBe(0);
      }
    }
  });
});

describe('adabelief options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ betas: [-0.1, 0.999] }, 'Invalid beta parameter at index 0: -0.1'],
    [{ eps: 0 }, 'Invalid epsilon value: 0'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ decoupled: 1 }, 'Invalid decoupled: 1 (expected true or false)'],
    [{ rectify: 'no' }, 'Invalid rectify: no (expected true or false)'],
    [{ amsgrad: true, rectify: true }, 'amsgrad and rectify cannot be combined'],
    [{ weight_decouple: true }, "Unknown option 'weight_decouple' for adabelief"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new AdaBelief({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new AdaBelief({ w: [2] }, options)).toThrow(message);
  });
  test('defaults: the official package’s, except rectify (off, as in the paper)', () => {
    expect(adabeliefSpec.defaults).toEqual({
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-16, weightDecay: 0, decoupled: true, amsgrad: false, rectify: false,
    });
  });
});
