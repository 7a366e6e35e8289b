// NAdam: the SIMD kernel against the float64 reference on odd sizes and mixes for both schedules,
// hand-computed steps (torch's Dozat schedule and the overview's constant-β1 form), the
// `mu_product` group scalar in state dicts, padding, and torch's option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { NAdam, init, InvalidOptionError, StateDictError } from '../../src/index';
import { nadamSpec } from '../../src/rules/nadam';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99], momentumDecay: 0.05 },
  { lr: 1e-2, weightDecay: 0.3, decoupledWeightDecay: true, eps: 1e-6 },
  { lr: 1e-2, schedule: 'constant' },
  { lr: 1e-2, schedule: 'constant', weightDecay: 0.2, decoupledWeightDecay: true, maximize: true, betas: [0.5, 0.9] },
];

describe.each(variants)('nadam kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(nadamSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 6 });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(nadamSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.5, 0.9], momentumDecay: 0 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(nadamSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

/** Steps an NAdam on two elements and the same math written out by hand, comparing as it goes. */
function byHand(options: Record<string, unknown>, stepSizes: (t: number, muProd: { value: number }) => [number, number]): void {
  const { lr, weightDecay: wd, decoupledWeightDecay: decoupled } = { weightDecay: 0, decoupledWeightDecay: false, ...options } as
    { lr: number; weightDecay: number; decoupledWeightDecay: boolean };
  const [b1, b2] = [0.8, 0.9];
  const eps = 1e-3;
  const opt = new NAdam({ w: new Float32Array([1, -2]) }, { ...options, betas: [b1, b2], eps });
  let p = [1, -2];
  let m = [0, 0];
  let v = [0, 0];
  const muProd = { value: 1 };
  [[0.3, -0.4], [-1, 2], [0.5, 0.01]].forEach((gr, k) => {
    const t = k + 1;
    opt.grad('w').set(gr);
    opt.step();
    if (decoupled) p = p.map((x) => x * (1 - lr * wd));
    const g = gr.map((x, i) => x + (decoupled ? 0 : wd * p[i]));
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i] ** 2);
    const [a, b] = stepSizes(t, muProd);
    p = p.map((x, i) => x - (a * g[i] + b * m[i]) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps));
    expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
    expect(Array.from(opt.state('w', 'exp_avg'))).toEqual(m.map((x) => expect.closeTo(x, 6)));
    expect(Array.from(opt.state('w', 'exp_avg_sq'))).toEqual(v.map((x) => expect.closeTo(x, 6)));
    expect(opt.scalars().mu_product).toBeCloseTo(muProd.value, 12);
  });
}

describe('nadam by hand', () => {
  test("torch's Dozat schedule with coupled weight decay", () => {
    const [lr, b1, psi] = [0.1, 0.8, 0.05];
    byHand({ lr, weightDecay: 0.2, momentumDecay: psi }, (t, prod) => {
      const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      prod.value *= mu;
      return [(lr * (1 - mu)) / (1 - prod.value), (lr * muNext) / (1 - prod.value * muNext)];
    });
  });

  test('decoupled weight decay (NAdamW)', () => {
    const [lr, b1, psi] = [0.1, 0.8, 4e-3];
    byHand({ lr, weightDecay: 0.5, decoupledWeightDecay: true }, (t, prod) => {
      const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      prod.value *= mu;
      return [(lr * (1 - mu)) / (1 - prod.value), (lr * muNext) / (1 - prod.value * muNext)];
    });
  });

  test("the overview's constant-β1 form: θ −= γ/(sqrt(v̂)+ε) · (β1 m̂ + (1−β1) g/(1−β1^t))", () => {
    const [lr, b1] = [0.1, 0.8];
    byHand({ lr, schedule: 'constant', momentumDecay: 0.7 }, (t, prod) => {
      prod.value *= b1;
      const bc1 = 1 - b1 ** t;
      // β1 m̂_t = β1 m_t / (1 − β1^t); the gradient term is (1 − β1) g_t / (1 − β1^t).
      return [(lr * (1 - b1)) / bc1, (lr * b1) / bc1];
    });
  });

  test('the two schedules differ', () => {
    const run = (schedule: string) => {
      const opt = new NAdam({ w: new Float32Array([1, -2]) }, { lr: 0.1, schedule: schedule as 'dozat' });
      opt.grad('w').set([0.3, -0.4]);
      opt.step();
      return Array.from(opt.param('w'));
    };
    expect(run('dozat')).not.toEqual(run('constant'));
  });
});

describe('nadam state', () => {
  test('mu_product is a group scalar exposed per tensor, and round-trips', () => {
    const opt = new NAdam({ a: [3], b: [2] }, { lr: 0.01 });
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    let prod = 1;
    for (let t = 1; t <= 3; t++) prod *= 0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3));
    const sd = opt.stateDict();
    expect(sd.state.a.mu_product).toBeCloseTo(prod, 14);
    expect(sd.state.b.mu_product).toBe(sd.state.a.mu_product);
    expect(sd.state.a.step).toBe(3);

    const other = new NAdam({ a: [3], b: [2] }, { lr: 0.01 });
    other.loadStateDict(sd);
    for (const name of ['a', 'b']) other.setParam(name, opt.param(name));
    expect(other.scalars().mu_product).toBe(sd.state.a.mu_product);
    for (const o of [opt, other]) {
      o.grad('a').fill(0.1);
      o.grad('b').fill(0.2);
      o.step();
    }
    expect(Array.from(other.param('a'))).toEqual(Array.from(opt.param('a')));
    expect(other.scalars().mu_product).toBe(opt.scalars().mu_product);

    const broken = { ...sd, state: { ...sd.state, a: { ...sd.state.a, mu_product: Number.NaN } } };
    expect(() => other.loadStateDict(broken)).toThrow(StateDictError);
  });

  test('padding stays zero in every slot', () => {
    const opt = new NAdam({ a: [3], b: [5] }, { weightDecay: 0.1, decoupledWeightDecay: true });
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

describe('nadam options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-8'],
    [{ betas: [0.9, 1] }, 'Invalid beta parameter at index 1: 1.0'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ momentumDecay: -4e-3 }, 'Invalid momentum_decay value: -0.004'],
    [{ decoupledWeightDecay: 'yes' }, 'Invalid decoupledWeightDecay: yes (expected true or false)'],
    [{ schedule: 'cosine' }, "Invalid schedule: cosine (expected 'dozat' or 'constant')"],
    [{ maximize: 1 }, 'Invalid maximize: 1 (expected true or false)'],
    [{ momentum_decay: 0.1 }, "Unknown option 'momentum_decay' for nadam; did you mean 'momentumDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new NAdam({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new NAdam({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are torch’s', () => {
    expect(nadamSpec.defaults).toEqual({
      lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3,
      decoupledWeightDecay: false, schedule: 'dozat', maximize: false,
    });
  });
});
