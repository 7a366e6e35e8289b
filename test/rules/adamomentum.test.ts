// AdaMomentum: the SIMD kernel against the float64 reference, Algorithm 1 written out line by line
// in float64, the first step by hand, ε's bias correction, and option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { AdaMomentum, init, InvalidOptionError } from '../../src/index';
import { adamomentumSpec } from '../../src/rules/adamomentum';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, eps: 1e-16, betas: [0.8, 0.99] },
  { lr: 1e-2, weightDecay: 0.1 },
  { lr: 1e-2, weightDecay: 0.5, decoupled: true, eps: 1e-6 },
];

describe.each(variants)('adamomentum kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adamomentumSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adamomentumSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.9] }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adamomentumSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('adamomentum by hand', () => {
  test('step 1: θ1 = θ0 − γ g / sqrt((1 − β1)² g² + ε/(1 − β2))', () => {
    const lr = 1e-2, eps = 1e-8;
    const g = [0.5, -2, 1e-5, 0];
    const opt = new AdaMomentum({ w: new Float32Array([1, 1, 1, 1]) }, { lr, eps });
    opt.grad('w').set(g);
    opt.step();
    const expected = g.map((gi) => 1 - (lr * gi) / Math.sqrt(0.01 * gi * gi + eps / 0.001));
    expect(Array.from(opt.param('w'))).toEqual(expected.map((x) => expect.closeTo(x, 6)));
    // With |g| ≫ sqrt(ε/(1 − β2))/(1 − β1), the first step is 10 γ sign(g): ten times Adam's.
    expect(opt.param('w')[1] - 1).toBeCloseTo(10 * lr, 4);
  });

  test('ε accumulates in v and is bias-corrected with it: zero gradients leave v = ε(1 − β2^t)/(1 − β2), θ fixed', () => {
    const eps = 1e-4, beta2 = 0.9;
    const opt = new AdaMomentum({ w: new Float32Array([3, -3]) }, { lr: 0.1, eps, betas: [0.9, beta2] });
    for (let t = 1; t <= 5; t++) {
      opt.grad('w').fill(0);
      opt.step();
      const v = (eps * (1 - beta2 ** t)) / (1 - beta2);
      expect(Array.from(opt.state('w', 'exp_avg_sq'))).toEqual([expect.closeTo(v, 9), expect.closeTo(v, 9)]);
      expect(Array.from(opt.param('w'))).toEqual([3, -3]);
    }
  });

  test('Algorithm 1 line by line in float64, coupled and decoupled decay, 12 steps', () => {
    for (const decoupled of [false, true]) {
      const lr = 0.02, beta1 = 0.85, beta2 = 0.99, eps = 1e-8, wd = 0.2;
      const n = 21;
      const start = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 2);
      const opt = new AdaMomentum({ w: start }, { lr, betas: [beta1, beta2], eps, weightDecay: wd, decoupled });
      const theta = Array.from(start);
      const m = new Array<number>(n).fill(0);
      const v = new Array<number>(n).fill(0);
      const normal = gaussian(rng(5));
      for (let t = 1; t <= 12; t++) {
        const grad = Float32Array.from({ length: n }, () => normal() + 0.3);
        opt.grad('w').set(grad);
        opt.step();
        for (let i = 0; i < n; i++) {
          if (decoupled) theta[i] *= 1 - lr * wd;
          const g = grad[i] + (decoupled ? 0 : wd * theta[i]); // line 4 (+ L2)
          m[i] = beta1 * m[i] + (1 - beta1) * g; // line 5
          v[i] = beta2 * v[i] + (1 - beta2) * m[i] * m[i] + eps; // line 6
          const mHat = m[i] / (1 - beta1 ** t); // line 7
          const vHat = v[i] / (1 - beta2 ** t); // line 8
          theta[i] -= (lr * mHat) / Math.sqrt(vHat); // line 9
        }
        expectAllClose(opt.param('w'), theta, 1e-4, 1e-6, `decoupled=${decoupled} step ${t}`);
        expectAllClose(opt.state('w', 'exp_avg_sq'), v, 1e-4, 1e-9, `v at step ${t}`);
      }
    }
  });

  test('padding stays zero in param, grad and m; v holds only ε terms there', () => {
    const opt = new AdaMomentum({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    const inTensor = (i: number) => tensors.some((t) => i >= t.offset && i < t.offset + t.size);
    for (const slot of ['param', 'grad', 'exp_avg']) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) if (!inTensor(i)) expect(view[i]).toBe(0);
    }
    const v = opt.slotView(0, 'exp_avg_sq');
    for (let i = 0; i < v.length; i++) if (!inTensor(i)) expect(v[i]).toBeCloseTo(1e-8 * (1 + 0.999 + 0.999 ** 2), 14);
  });
});

describe('adamomentum options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ betas: [0.9, 1] }, 'Invalid beta parameter at index 1: 1.0'],
    [{ eps: 0 }, 'Invalid epsilon value: 0'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ decoupled: 'yes' }, 'Invalid decoupled: yes (expected true or false)'],
    [{ weight_decay: 0.1 }, "Unknown option 'weight_decay' for adamomentum; did you mean 'weightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new AdaMomentum({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new AdaMomentum({ w: [2] }, options)).toThrow(message);
  });
  test('defaults', () => {
    expect(adamomentumSpec.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false });
  });
});
