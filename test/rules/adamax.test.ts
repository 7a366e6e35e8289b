// Adamax: the SIMD kernel against the float64 reference on odd sizes and mixes, hand-computed
// steps, padding, and torch's option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adamax, init, InvalidOptionError } from '../../src/index';
import { adamaxSpec } from '../../src/rules/adamax';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  {},
  { lr: 1e-2, betas: [0.8, 0.99], weightDecay: 0.05 },
  { lr: 1e-2, eps: 1e-3, maximize: true, weightDecay: 0.1 },
  { lr: 1e-2, betas: [0, 0], eps: 0 },
];

describe.each(variants)('adamax kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adamaxSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 6 });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adamaxSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.9] }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adamaxSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('adamax by hand', () => {
  test('three steps match the torch formula (the max switches branch)', () => {
    const [lr, b1, b2, eps, wd] = [0.1, 0.8, 0.5, 1e-3, 0.2];
    const opt = new Adamax({ w: new Float32Array([1, -2]) }, { lr, betas: [b1, b2], eps, weightDecay: wd, maximize: true });
    let p = [1, -2];
    let m = [0, 0];
    let u = [0, 0];
    [[0.3, -4], [-1, 0.1], [0.01, 0.2]].forEach((gr, k) => {
      opt.grad('w').set(gr);
      opt.step();
      const g = gr.map((x, i) => -x + wd * p[i]);
      m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
      u = u.map((x, i) => Math.max(b2 * x, Math.abs(g[i]) + eps));
      p = p.map((x, i) => x - (lr / (1 - b1 ** (k + 1))) * (m[i] / u[i]));
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'exp_avg'))).toEqual(m.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'exp_inf'))).toEqual(u.map((x) => expect.closeTo(x, 6)));
    });
  });

  test('padding stays zero in every slot but exp_inf, which holds eps', () => {
    const opt = new Adamax({ a: [3], b: [5] }, { weightDecay: 0.1 });
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
        if (slot === 'exp_inf') expect(view[i]).toBeCloseTo(1e-8, 12);
        else expect(view[i]).toBe(0);
      }
    }
  });
});

describe('adamax options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-8'],
    [{ betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1.0'],
    [{ betas: [0.9, -0.1] }, 'Invalid beta parameter at index 1: -0.1'],
    [{ betas: [0.9] }, 'Invalid betas'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ maximize: 0 }, 'Invalid maximize: 0 (expected true or false)'],
    [{ beta1: 0.9 }, "Unknown option 'beta1' for adamax"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new Adamax({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new Adamax({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are torch’s', () => {
    expect(adamaxSpec.defaults).toEqual({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false });
  });
});
