// ASGD: the SIMD kernel against the float64 reference on odd sizes and mixes (copying and
// blending averages), hand-computed steps with torch's eta/mu timing, state dicts, options.
import { beforeAll, describe, expect, test } from 'vitest';
import { ASGD, init, InvalidOptionError } from '../../src/index';
import { asgdSpec } from '../../src/rules/asgd';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const steps = 7;
const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.05, lambd: 0.1, alpha: 0.6, t0: 1, weightDecay: 0.05, maximize: true },
  { lr: 0.02, lambd: 1e-2, alpha: 1, t0: 0 },
  { lr: 0.1, lambd: 0.5, t0: 2.5, weightDecay: 0.1 },
];

describe.each(variants)('asgd kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(asgdSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(asgdSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, t0: 3 }], steps,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(asgdSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, steps });
  });
});

describe('asgd by hand', () => {
  test('step t uses the eta and mu of step t − 1; they refresh after the step', () => {
    const [lr, lambd, alpha, t0, wd] = [0.1, 0.2, 0.75, 1, 0.05];
    const opt = new ASGD({ w: new Float32Array([1, -2]) }, { lr, lambd, alpha, t0, weightDecay: wd });
    let p = [1, -2];
    let ax = [0, 0];
    let eta = lr;
    let mu = 1;
    const grads = [[0.5, -1], [1, 1], [-0.25, 2], [0.75, -0.5], [0.1, 0.2]];
    grads.forEach((gr, k) => {
      const t = k + 1;
      opt.grad('w').set(gr);
      opt.step();
      const g = gr.map((x, i) => x + wd * p[i]);
      p = p.map((x, i) => x * (1 - lambd * eta) - eta * g[i]);
      ax = mu === 1 ? [...p] : ax.map((a, i) => a + mu * (p[i] - a));
      eta = lr / (1 + lambd * lr * t) ** alpha;
      mu = 1 / Math.max(1, t - t0);
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
      expect(Array.from(opt.state('w', 'ax'))).toEqual(ax.map((x) => expect.closeTo(x, 6)));
      const st = opt.stateDict().state.w;
      expect(st.step).toBe(t);
      expect(st.eta).toBeCloseTo(eta, 7);
      expect(st.mu).toBeCloseTo(mu, 7);
    });
    // Averaging began at step 4 (it used μ_3 = 1/2): ax is no longer θ.
    expect(opt.state('w', 'ax')[0]).not.toBeCloseTo(opt.param('w')[0], 4);
  });

  test('eta and mu are group scalars shown on every tensor; the lr is read lazily like torch', () => {
    const opt = new ASGD([{ params: { a: [2], b: [3] } }, { params: { c: [1] }, lr: 0.5 }], { lambd: 0.1 });
    expect(opt.scalars(0)).toEqual({ step: 0, eta: 0.01, mu: 1 });
    opt.paramGroups[0].lr = 0.2; // before the first step: eta_0 is this lr
    for (const n of ['a', 'b', 'c']) opt.grad(n).fill(1);
    opt.step();
    expect(Array.from(opt.param('a'))).toEqual([-0.2, -0.2].map((x) => expect.closeTo(x, 7)));
    expect(opt.param('c')[0]).toBeCloseTo(-0.5, 7);
    const sd = opt.stateDict();
    expect(sd.state.a.eta).toBe(sd.state.b.eta);
    expect(sd.state.a.eta).toBeCloseTo(0.2 / (1 + 0.1 * 0.2) ** 0.75, 7);
    expect(sd.state.c.eta).toBeCloseTo(0.5 / (1 + 0.1 * 0.5) ** 0.75, 7);
    expect(sd.state.c.mu).toBe(1);
    // A state dict round trip restores eta and mu.
    const other = new ASGD([{ params: { a: [2], b: [3] } }, { params: { c: [1] }, lr: 0.5 }], { lambd: 0.1 });
    other.loadStateDict(sd);
    expect(other.scalars(0)).toEqual(opt.scalars(0));
    expect(other.scalars(1)).toEqual(opt.scalars(1));
  });

  test('padding stays zero in param, grad and ax', () => {
    const opt = new ASGD({ a: [3], b: [5] }, { lr: 0.1, t0: 0, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 6; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of ['param', 'grad', 'ax']) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });
});

describe('asgd options', () => {
  test('defaults are torch\'s', () => {
    expect(asgdSpec.defaults).toEqual({ lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ lambd: -1e-4 }, 'Invalid lambd value: -0.0001'],
    [{ alpha: -1 }, 'Invalid alpha value: -1'],
    [{ t0: -1 }, 'Invalid t0 value: -1'],
    [{ t0: 'soon' }, 'Invalid t0 value: soon'],
    [{ maximize: null }, 'Invalid maximize: null (expected true or false)'],
    [{ weight_decay: 0.1 }, "Unknown option 'weight_decay' for asgd; did you mean 'weightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new ASGD({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
  test('t0 may be infinite (never average)', () => {
    expect(() => new ASGD({ w: [2] }, { t0: Infinity })).not.toThrow();
  });
});
