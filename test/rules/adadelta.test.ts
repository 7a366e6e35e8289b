// Adadelta: the SIMD kernel against the float64 reference on odd sizes and mixes, hand-computed
// steps, padding, and torch's option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adadelta, init, InvalidOptionError } from '../../src/index';
import { adadeltaSpec } from '../../src/rules/adadelta';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.5, rho: 0.8, weightDecay: 0.05 },
  { lr: 2, rho: 0.95, eps: 1e-4, maximize: true },
  { lr: 1, rho: 0, weightDecay: 0.1, maximize: true },
  { lr: 1, rho: 1, eps: 1e-3 },
];

describe.each(variants)('adadelta kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(adadeltaSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 6 });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(adadeltaSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 0.3, rho: 0.5 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(adadeltaSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('adadelta by hand', () => {
  test('two steps match the torch formula', () => {
    const [lr, rho, eps, wd] = [0.7, 0.6, 1e-3, 0.2];
    const opt = new Adadelta({ w: new Float32Array([1, -2]) }, { lr, rho, eps, weightDecay: wd, maximize: true });
    let p = [1, -2];
    let v = [0, 0];
    let u = [0, 0];
    for (const gr of [[0.3, -0.4], [-1, 2]]) {
      opt.grad('w').set(gr);
      opt.step();
      const g = gr.map((x, i) => -x + wd * p[i]);
      v = v.map((x, i) => rho * x + (1 - rho) * g[i] ** 2);
      const d = g.map((x, i) => (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * x);
      u = u.map((x, i) => rho * x + (1 - rho) * d[i] ** 2);
      p = p.map((x, i) => x - lr * d[i]);
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'square_avg'))).toEqual(v.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'acc_delta'))).toEqual(u.map((x) => expect.closeTo(x, 6)));
    }
  });

  test('padding stays zero in every slot', () => {
    const opt = new Adadelta({ a: [3], b: [5] }, { weightDecay: 0.1 });
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

describe('adadelta options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ rho: 1.5 }, 'Invalid rho value: 1.5'],
    [{ rho: -0.1 }, 'Invalid rho value: -0.1'],
    [{ eps: -1e-6 }, 'Invalid epsilon value: -0.000001'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ maximize: 'yes' }, 'Invalid maximize: yes (expected true or false)'],
    [{ weight_decay: 0.1 }, "Unknown option 'weight_decay' for adadelta; did you mean 'weightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new Adadelta({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new Adadelta({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are torch’s', () => {
    expect(adadeltaSpec.defaults).toEqual({ lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
  });
});
