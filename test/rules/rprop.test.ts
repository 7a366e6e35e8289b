// Rprop (iRprop−): the SIMD kernel against the float64 reference on odd sizes and mixes,
// hand-computed steps (sign changes, zero gradients, clamping), lazy lr init, padding, options.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, Rprop } from '../../src/index';
import { rpropSpec } from '../../src/rules/rprop';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const steps = 8;
const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.05, etas: [0.3, 1.5], stepSizes: [5e-3, 2e-2], maximize: true },
  { lr: 1e-3, etas: [0.9, 1.01], stepSizes: [0, 1e-3] },
];

describe.each(variants)('rprop kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(rpropSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(rpropSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, etas: [0.4, 1.3] }], steps,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(rpropSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, steps });
  });
});

describe('rprop by hand', () => {
  // Elements: a steady sign (clamped at the max step by step 4), a flip, a zero gradient, two flips.
  const grads = [
    [1, -1, 0, 2],
    [2, 1, 3, -1],
    [1, 1, 1, 1],
    [1, 0, 1, -1],
  ];
  const expected = [
    // step sizes, params, prev
    { step: [0.1, 0.1, 0.1, 0.1], param: [0.9, 1.1, 1, 0.9], prev: [1, -1, 0, 2] },
    { step: [0.12, 0.05, 0.1, 0.05], param: [0.78, 1.1, 0.9, 0.9], prev: [2, 0, 3, 0] },
    { step: [0.144, 0.05, 0.12, 0.05], param: [0.636, 1.05, 0.78, 0.85], prev: [1, 1, 1, 1] },
    { step: [0.15, 0.05, 0.144, 0.025], param: [0.486, 1.05, 0.636, 0.85], prev: [1, 0, 1, 0] },
  ];
  const close = (xs: number[]) => xs.map((x) => expect.closeTo(x, 6));

  test('four steps: growth, iRprop− zeroing on a sign change, sign(0) = 0, clamping', () => {
    const opt = new Rprop({ w: new Float32Array([1, 1, 1, 1]) }, { lr: 0.1, stepSizes: [0.01, 0.15] });
    grads.forEach((g, k) => {
      opt.grad('w').set(g);
      opt.step();
      expect(Array.from(opt.state('w', 'step_size'))).toEqual(close(expected[k].step));
      expect(Array.from(opt.param('w'))).toEqual(close(expected[k].param));
      expect(Array.from(opt.state('w', 'prev'))).toEqual(expected[k].prev);
    });
  });

  test('maximize ascends: the same steps with the gradient negated', () => {
    const opt = new Rprop({ w: new Float32Array([1, 1, 1, 1]) }, { lr: 0.1, stepSizes: [0.01, 0.15], maximize: true });
    grads.forEach((g, k) => {
      opt.grad('w').set(g.map((x) => -x));
      opt.step();
      expect(Array.from(opt.param('w'))).toEqual(close(expected[k].param));
      expect(Array.from(opt.state('w', 'prev'))).toEqual(expected[k].prev);
    });
  });

  test('step sizes start from the lr at the first step (torch initializes lazily); later lr changes do nothing', () => {
    const opt = new Rprop({ w: [3] }, { lr: 0.1 });
    expect(Array.from(opt.state('w', 'step_size'))).toEqual(close([0.1, 0.1, 0.1]));
    opt.paramGroups[0].lr = 0.2;
    opt.grad('w').set([1, -1, 0]);
    opt.step();
    expect(Array.from(opt.param('w'))).toEqual(close([-0.2, 0.2, 0]));
    expect(Array.from(opt.state('w', 'step_size'))).toEqual(close([0.2, 0.2, 0.2]));
    opt.paramGroups[0].lr = 5;
    opt.step();
    expect(Array.from(opt.state('w', 'step_size'))).toEqual(close([0.24, 0.24, 0.2]));
  });

  test('padding never moves and stays zero in param, grad and prev', () => {
    const opt = new Rprop({ a: [3], b: [5] }, { lr: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 6; k++) {
      opt.grad('a').fill(k % 2 ? 0.5 : -0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of ['param', 'grad', 'prev']) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });

  test('a NaN gradient leaves the parameter and its step size alone, as torch\'s CPU sign(NaN) = 0', () => {
    const opt = new Rprop({ w: [5] }, { lr: 0.1 });
    opt.nonFinite = 'ignore';
    opt.grad('w').set([1, 1, 1, 1, 1]);
    opt.step();
    opt.grad('w').set([NaN, 1, NaN, 1, NaN]);
    opt.step();
    expect(Array.from(opt.param('w'))).toEqual(close([-0.1, -0.22, -0.1, -0.22, -0.1]));
    expect(Array.from(opt.state('w', 'step_size'))).toEqual(close([0.1, 0.12, 0.1, 0.12, 0.1]));
  });
});

describe('rprop options', () => {
  test('defaults are torch\'s', () => {
    expect(rpropSpec.defaults).toEqual({ lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ etas: [1, 1.2] }, 'Invalid eta values: 1, 1.2'],
    [{ etas: [0.5, 1] }, 'Invalid eta values: 0.5, 1'],
    [{ etas: [0, 1.2] }, 'Invalid eta values: 0, 1.2'],
    [{ etas: [0.5] }, 'Invalid eta values: expected a pair [etaminus, etaplus], got 0.5'],
    [{ stepSizes: [1, 0.5] }, 'Invalid step_sizes: 1, 0.5 (expected 0 <= min <= max)'],
    [{ stepSizes: [-1, 0.5] }, 'Invalid step_sizes: -1, 0.5 (expected 0 <= min <= max)'],
    [{ stepSizes: 50 }, 'Invalid step_sizes: expected a pair [min, max], got 50'],
    [{ maximize: 0 }, 'Invalid maximize: 0 (expected true or false)'],
    [{ step_sizes: [0, 1] }, "Unknown option 'step_sizes' for rprop; did you mean 'stepSizes'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new Rprop({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
