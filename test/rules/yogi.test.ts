// Yogi: the SIMD kernel (sign built from comparison masks) against the float64 reference, the
// paper's Algorithm 2 and the bias-corrected form written out in float64, sign(0) = 0, options.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, Yogi } from '../../src/index';
import { yogiSpec } from '../../src/rules/yogi';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, biasCorrection: false },
  // v starts near g², so sign(v − g²) takes both signs.
  { lr: 1e-2, weightDecay: 0.1, initialAccumulator: 0.8, betas: [0.8, 0.99] },
  { lr: 1e-2, eps: 0, initialAccumulator: 1e-3, biasCorrection: false },
];

describe.each(variants)('yogi kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(yogiSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(yogiSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.9] }], steps: 6,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(yogiSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('yogi by hand', () => {
  test('the paper’s Algorithm 2 (no bias correction) and the corrected form, in float64, 15 steps', () => {
    for (const biasCorrection of [false, true]) {
      const lr = 0.01, beta1 = 0.9, beta2 = 0.99, eps = 1e-3, v0 = 0.3, wd = 0.05;
      const n = 13;
      const start = Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i));
      const opt = new Yogi({ w: start }, { lr, betas: [beta1, beta2], eps, initialAccumulator: v0, weightDecay: wd, biasCorrection });
      const x = Array.from(start);
      const m = new Array<number>(n).fill(0);
      const v = new Array<number>(n).fill(v0);
      const normal = gaussian(rng(21));
      let sawBothSigns = 0;
      for (let t = 1; t <= 15; t++) {
        const grad = Float32Array.from({ length: n }, () => 0.6 * normal());
        opt.grad('w').set(grad);
        opt.step();
        for (let i = 0; i < n; i++) {
          const g = grad[i] + wd * x[i];
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          const up = v[i] < g * g;
          sawBothSigns |= up ? 1 : 2;
          v[i] = up ? v[i] + (1 - beta2) * g * g : v[i] - (1 - beta2) * g * g;
          const mHat = biasCorrection ? m[i] / (1 - beta1 ** t) : m[i];
          const vHat = biasCorrection ? v[i] / (1 - beta2 ** t) : v[i];
          x[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
        }
        expectAllClose(opt.param('w'), x, 1e-4, 1e-6, `biasCorrection=${biasCorrection} step ${t}`);
        expectAllClose(opt.state('w', 'exp_avg_sq'), v, 1e-4, 1e-7, `v at step ${t}`);
      }
      expect(sawBothSigns).toBe(3);
    }
  });

  test('sign(0) = 0: v = g² exactly leaves v unchanged (SIMD lanes and scalar tail)', () => {
    const n = 6;
    const opt = new Yogi({ w: new Float32Array(n).fill(1) }, { initialAccumulator: 0.25, biasCorrection: false });
    opt.grad('w').set([0.5, -0.5, 1, 0.5, 0.1, -0.5]);
    opt.step();
    const expected = [0.25, 0.25, 0.25 + 0.001 * 1, 0.25, 0.25 - 0.001 * 0.01, 0.25];
    expect(Array.from(opt.state('w', 'exp_avg_sq'))).toEqual(expected.map((x) => expect.closeTo(x, 7)));
  });

  test('padding stays zero in param, grad and m; v keeps its initial value there', () => {
    const opt = new Yogi({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
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
    for (let i = 0; i < v.length; i++) if (!inTensor(i)) expect(v[i]).toBe(Math.fround(1e-6));
  });
});

describe('yogi options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ betas: [0.9, 1] }, 'Invalid beta parameter at index 1: 1.0'],
    [{ eps: -1e-3 }, 'Invalid epsilon value: -0.001'],
    [{ initialAccumulator: -1 }, 'Invalid initial_accumulator value: -1'],
    [{ eps: 0, initialAccumulator: 0 }, 'Yogi needs eps > 0 or initialAccumulator > 0'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ biasCorrection: 0 }, 'Invalid biasCorrection: 0 (expected true or false)'],
    [{ initial_accumulator: 0.1 }, "Unknown option 'initial_accumulator' for yogi; did you mean 'initialAccumulator'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new Yogi({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new Yogi({ w: [2] }, options)).toThrow(message);
  });
  test('defaults', () => {
    expect(yogiSpec.defaults).toEqual({ lr: 1e-2, betas: [0.9, 0.999], eps: 1e-3, initialAccumulator: 1e-6, weightDecay: 0, biasCorrection: true });
  });
});
