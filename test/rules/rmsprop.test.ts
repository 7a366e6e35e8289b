// RMSprop: the SIMD kernel (all four centered × momentum loops) against the float64 reference on
// odd sizes and mixes, hand-computed steps, padding, slots, and torch's option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { RMSprop, init, InvalidOptionError } from '../../src/index';
import { rmspropSpec } from '../../src/rules/rmsprop';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.01, alpha: 0.9, weightDecay: 0.05, maximize: true },
  { lr: 0.01, momentum: 0.9 },
  { lr: 0.01, centered: true, eps: 1e-6 },
  { lr: 0.005, centered: true, momentum: 0.5, weightDecay: 0.1, maximize: true, alpha: 0.8 },
];

// Early steps give |g / sqrt(v)| up to 1/sqrt(1 − α) = 10, so the momentum buffer holds values
// near ±10 that can cancel to ~1e-2 in one step: float32 leaves ~1e-6 absolute error there.
const atol = 1e-5;

describe.each(variants)('rmsprop kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(rmspropSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 6, atol });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(rmspropSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, alpha: 0.5 }], steps: 4, atol,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(rmspropSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, atol });
  });
});

test('groups with different variants step together', () => {
  checkKernelAgainstReference(rmspropSpec, {
    groups: [[5, 17, 1023], [3, 64], [1, 33]],
    groupOptions: [{}, { centered: true, momentum: 0.9 }, { momentum: 0.3, maximize: true }],
    options: { lr: 0.01 },
    steps: 5,
    atol,
  });
});

describe('rmsprop by hand', () => {
  test('centered with momentum: two steps match the torch formula', () => {
    const [lr, alpha, eps, mu, wd] = [0.1, 0.7, 1e-4, 0.5, 0.2];
    const opt = new RMSprop({ w: new Float32Array([1, -2]) }, { lr, alpha, eps, momentum: mu, weightDecay: wd, centered: true });
    let p = [1, -2];
    let v = [0, 0];
    let ga = [0, 0];
    let b = [0, 0];
    for (const gr of [[0.3, -0.4], [-1, 2]]) {
      opt.grad('w').set(gr);
      opt.step();
      const g = gr.map((x, i) => x + wd * p[i]);
      v = v.map((x, i) => alpha * x + (1 - alpha) * g[i] ** 2);
      ga = ga.map((x, i) => alpha * x + (1 - alpha) * g[i]);
      b = b.map((x, i) => mu * x + g[i] / (Math.sqrt(v[i] - ga[i] ** 2) + eps));
      p = p.map((x, i) => x - lr * b[i]);
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'momentum_buffer'))).toEqual(b.map((x) => expect.closeTo(x, 5)));
      expect(Array.from(opt.state('w', 'grad_avg'))).toEqual(ga.map((x) => expect.closeTo(x, 6)));
    }
  });

  test('slots follow the options', () => {
    expect(new RMSprop({ w: [2] }).layout.groups[0].slots).toEqual(['param', 'grad', 'square_avg']);
    expect(new RMSprop({ w: [2] }, { momentum: 0.9, centered: true }).layout.groups[0].slots)
      .toEqual(['param', 'grad', 'square_avg', 'momentum_buffer', 'grad_avg']);
  });

  test('turning momentum on after construction needs the slot', () => {
    const opt = new RMSprop({ w: [2] });
    opt.paramGroups[0].momentum = 0.9;
    expect(() => opt.step()).toThrow(InvalidOptionError);
  });

  test('padding stays zero in every slot', () => {
    const opt = new RMSprop({ a: [3], b: [5] }, { weightDecay: 0.1, momentum: 0.9, centered: true });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const g = opt.layout.groups[0];
    for (const slot of g.slots) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (g.tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });
});

describe('rmsprop options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-8'],
    [{ momentum: -0.9 }, 'Invalid momentum value: -0.9'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ alpha: -0.5 }, 'Invalid alpha value: -0.5'],
    [{ centered: 1 }, 'Invalid centered: 1 (expected true or false)'],
    [{ maximize: null }, 'Invalid maximize: null (expected true or false)'],
    [{ weight_decay: 0.1 }, "Unknown option 'weight_decay' for rmsprop; did you mean 'weightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new RMSprop({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new RMSprop({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are torch’s', () => {
    expect(rmspropSpec.defaults).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
  });
});
