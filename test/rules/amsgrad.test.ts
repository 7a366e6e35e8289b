// AMSGrad (Reddi et al. / overview form, no bias correction): the SIMD kernel against the float64
// reference on odd sizes and mixes, hand-computed steps, the contrast with torch's Adam(amsgrad),
// padding, option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, AMSGrad, init, InvalidOptionError } from '../../src/index';
import { amsgradSpec } from '../../src/rules/amsgrad';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99] },
  { lr: 5e-3, eps: 1e-6, betas: [0, 0.9] },
];

describe.each(variants)('amsgrad kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(amsgradSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 6 });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(amsgradSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.9] }], steps: 6,
    });
  });
  test('odd mix packed unaligned', () => {
    // With random gradients some elements' v falls below its running max (|g|² < v), so the max moves θ.
    checkKernelAgainstReference(amsgradSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, steps: 4 });
  });
});

describe('amsgrad by hand', () => {
  test('step 1: θ moves by γ (1 − β1)/sqrt(1 − β2) per unit sign — no bias correction', () => {
    const opt = new AMSGrad({ w: new Float32Array([1, -1]) }, { lr: 0.1 });
    opt.grad('w').set([2, -1]);
    opt.step();
    // m = 0.1 g, v̂ = v = 0.001 g²: the step is 0.1 · 0.1 g / (sqrt(0.001) |g| + 1e-8) = 0.316227... · sign(g).
    expect(opt.param('w')[0]).toBeCloseTo(1 - 0.31622776, 6);
    expect(opt.param('w')[1]).toBeCloseTo(-1 + 0.31622776, 6);
    expect(Array.from(opt.state('w', 'max_exp_avg_sq'))).toEqual([expect.closeTo(0.004, 9), expect.closeTo(0.001, 9)]);
  });

  test('three steps: the max keeps the large second moment when v shrinks', () => {
    const [lr, b1, b2, eps, wd] = [0.1, 0.9, 0.999, 1e-8, 0.05];
    const opt = new AMSGrad({ w: new Float32Array([1, -1]) }, { lr, weightDecay: wd });
    let p = [1, -1];
    let m = [0, 0];
    let v = [0, 0];
    let vmax = [0, 0];
    const grads = [[2, -1], [0.01, 0.5], [0.02, 0.2]];
    grads.forEach((gr, k) => {
      opt.grad('w').set(gr);
      opt.step();
      const g = gr.map((x, i) => x + wd * p[i]);
      m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
      v = v.map((x, i) => b2 * x + (1 - b2) * g[i] * g[i]);
      vmax = vmax.map((x, i) => Math.max(x, v[i]));
      p = p.map((x, i) => x - (lr * m[i]) / (Math.sqrt(vmax[i]) + eps));
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'exp_avg_sq'))).toEqual(v.map((x) => expect.closeTo(x, 9)));
      expect(Array.from(opt.state('w', 'max_exp_avg_sq'))).toEqual(vmax.map((x) => expect.closeTo(x, 9)));
      if (k > 0) expect(opt.state('w', 'max_exp_avg_sq')[0]).toBeGreaterThan(opt.state('w', 'exp_avg_sq')[0]);
    });
  });

  test('differs from torch\'s Adam({ amsgrad: true }) by the bias corrections: ×(1 − β1)/sqrt(1 − β2) on step 1', () => {
    const ours = new AMSGrad({ w: [1] }, { lr: 0.01 });
    const torchStyle = new Adam({ w: [1] }, { lr: 0.01, amsgrad: true });
    for (const opt of [ours, torchStyle]) {
      opt.grad('w').fill(1.5);
      opt.step();
    }
    const ratio = ours.param('w')[0] / torchStyle.param('w')[0];
    expect(ratio).toBeCloseTo(0.1 / Math.sqrt(0.001), 4);
    // Same moment slots either way: only the update differs.
    expect(ours.state('w', 'max_exp_avg_sq')[0]).toBe(torchStyle.state('w', 'max_exp_avg_sq')[0]);
  });

  test('padding stays zero in every slot', () => {
    const opt = new AMSGrad({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 4; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5 / (k + 1));
      opt.step();
    }
    const { tensors, slots } = opt.layout.groups[0];
    for (const slot of slots) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });
});

describe('amsgrad options', () => {
  test('defaults', () => {
    expect(amsgradSpec.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-8'],
    [{ betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1.0'],
    [{ betas: [0.9, 1.5] }, 'Invalid beta parameter at index 1: 1.5'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ maximize: 'no' }, 'Invalid maximize: no (expected true or false)'],
    [{ amsgrad: true }, "Unknown option 'amsgrad' for amsgrad"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new AMSGrad({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
