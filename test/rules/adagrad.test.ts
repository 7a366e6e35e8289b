// Adagrad: the SIMD kernel against the float64 reference on odd sizes and mixes, hand-computed
// steps, padding, and torch's option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adagrad, init, InvalidOptionError } from '../../src/index';
import { adagradSpec } from '../../src/rules/adagrad';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 0.1 },
  { lr: 0.1, lrDecay: 0.3, weightDecay: 0.05 },
  { lr: 0.05, initialAccumulatorValue: 0.5, maximize: true, eps: 1e-6 },
  { lr: 0.05, weightDecay: 0.1, maximize: true, eps: 0 },
];

describe.each(variants)('adagrad kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adagradSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adagradSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, lrDecay: 0.5, initialAccumulatorValue: 2 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adagradSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('adagrad by hand', () => {
  test('two steps match the torch formula', () => {
    const opt = new Adagrad({ w: new Float32Array([1, -2]) }, { lr: 0.5, lrDecay: 1, initialAccumulatorValue: 0.25, weightDecay: 0.1 });
    let p = [1, -2];
    let s = [0.25, 0.25];
    const grads = [[0.3, -0.4], [-1, 2]];
    grads.forEach((gr, k) => {
      opt.grad('w').set(gr);
      opt.step();
      const clr = 0.5 / (1 + k * 1);
      const g = gr.map((x, i) => x + 0.1 * p[i]);
      s = s.map((x, i) => x + g[i] * g[i]);
      p = p.map((x, i) => x - clr * g[i] / (Math.sqrt(s[i]) + 1e-10));
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'sum'))).toEqual(s.map((x) => expect.closeTo(x, 6)));
    });
    expect(opt.stateDict().state.w.step).toBe(2);
  });

  test('padding stays zero in param and grad', () => {
    const opt = new Adagrad({ a: [3], b: [5] }, { initialAccumulatorValue: 0.1, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    const param = opt.slotView(0, 'param');
    const grad = opt.slotView(0, 'grad');
    for (let i = 0; i < param.length; i++) {
      if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
      expect(param[i]).toBe(0);
      expect(grad[i]).toBe(0);
    }
  });
});

describe('adagrad options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ lrDecay: -0.5 }, 'Invalid lr_decay value: -0.5'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ initialAccumulatorValue: -1 }, 'Invalid initial_accumulator_value value: -1'],
    [{ eps: -1e-10 }, 'Invalid epsilon value: -1e-10'],
    [{ maximize: 1 }, 'Invalid maximize: 1 (expected true or false)'],
    [{ lr_decay: 0.1 }, "Unknown option 'lr_decay' for adagrad; did you mean 'lrDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new Adagrad({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new Adagrad({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are torch’s', () => {
    expect(adagradSpec.defaults).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
  });
});
