// QHAdam: the SIMD kernel against the float64 reference, qhoptim's weighted-count bias correction
// (also when betas change), the identity with Adam, and fromNadam against NAdam with a constant β1.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, init, InvalidOptionError, QHAdam } from '../../src/index';
import { qhadamFromNadam, qhadamSpec } from '../../src/rules/qhadam';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, nus: [0.7, 1], betas: [0.995, 0.999] },
  { lr: 1e-2, nus: [0.8, 0.6], weightDecay: 0.1, eps: 1e-6 },
  { lr: 3e-3, nus: [0, 0], betas: [0.5, 0.9] },
];

describe.each(variants)('qhadam kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(qhadamSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(qhadamSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, nus: [0.5, 0.9], betas: [0.8, 0.99] }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(qhadamSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

function gradStream(seed: number, n: number, steps: number, bias = 0): Float32Array[] {
  const normal = gaussian(rng(seed));
  return Array.from({ length: steps }, () => Float32Array.from({ length: n }, (_, i) => normal() + bias * Math.cos(i)));
}

/** qhoptim's QHAdam loop written out in float64 (coupled decay), with betas per step. */
function simulateQhoptim(p0: ArrayLike<number>, grads: ArrayLike<number>[], betasAt: (t: number) => [number, number],
  o: { lr: number; nus: [number, number]; eps: number; weightDecay: number }): number[][] {
  const p = Array.from(p0);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  let w1 = 0;
  let w2 = 0;
  const out: number[][] = [];
  grads.forEach((gr, t) => {
    const [b1, b2] = betasAt(t + 1);
    w1 = 1 + b1 * w1;
    w2 = 1 + b2 * w2;
    const a1 = 1 - 1 / w1;
    const a2 = 1 - 1 / w2;
    for (let i = 0; i < p.length; i++) {
      const g = gr[i] + o.weightDecay * p[i];
      m[i] = a1 * m[i] + (1 - a1) * g;
      v[i] = a2 * v[i] + (1 - a2) * g * g;
      const num = o.nus[0] * m[i] + (1 - o.nus[0]) * g;
      const den = Math.sqrt(o.nus[1] * v[i] + (1 - o.nus[1]) * g * g) + o.eps;
      p[i] -= o.lr * (num / den);
    }
    out.push([...p]);
  });
  return out;
}

describe('qhadam bias correction by weighted counts', () => {
  const n = 23;
  const p0 = () => Float32Array.from({ length: n }, (_, i) => Math.cos(i));

  test('weights are group scalars: w_t = 1 + β w_{t−1}; the moments equal Adam’s corrected ones', () => {
    const opt = new QHAdam({ w: p0() }, { lr: 1e-2, betas: [0.8, 0.9] });
    const adam = new Adam({ w: p0() }, { lr: 1e-2, betas: [0.8, 0.9] });
    gradStream(1, n, 3).forEach((g, t) => {
      opt.grad('w').set(g);
      adam.grad('w').set(g);
      opt.step();
      adam.step();
      const k = t + 1;
      expect(opt.scalars().beta1_weight).toBeCloseTo((1 - 0.8 ** k) / (1 - 0.8), 12);
      expect(opt.scalars().beta2_weight).toBeCloseTo((1 - 0.9 ** k) / (1 - 0.9), 12);
      const mHat = Array.from(adam.state('w', 'exp_avg'), (x) => x / (1 - 0.8 ** k));
      expectAllClose(opt.state('w', 'exp_avg'), mHat, 1e-5, 1e-6, `m at step ${k}`);
    });
    expect(opt.stateDict().state.w).toMatchObject({ step: 3, beta1_weight: expect.closeTo(1 + 0.8 + 0.64, 12) });
  });

  test('matches qhoptim’s loop in float64 when betas change between steps, and differs from 1 − β^t', () => {
    const o = { lr: 0.02, nus: [0.7, 0.9] as [number, number], eps: 1e-8, weightDecay: 0.05 };
    const betasAt = (t: number): [number, number] => (t <= 3 ? [0.9, 0.999] : [0.5, 0.9]);
    const grads = gradStream(2, n, 8, 0.5);
    const opt = new QHAdam({ w: p0() }, { ...o });
    const expected = simulateQhoptim(p0(), grads, betasAt, o);
    grads.forEach((g, t) => {
      opt.paramGroups[0].betas = betasAt(t + 1);
      opt.grad('w').set(g);
      opt.step();
      expectAllClose(opt.param('w'), expected[t], 1e-4, 1e-6, `step ${t + 1}`);
    });
    // Adam-style correction with the current β: 1 − β^t, i.e. m̂ = m / (1 − β1^t) with m decayed by β1.
    const p = Array.from(p0());
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    grads.forEach((gr, t) => {
      const [b1, b2] = betasAt(t + 1);
      for (let i = 0; i < n; i++) {
        const g = gr[i] + o.weightDecay * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const mHat = m[i] / (1 - b1 ** (t + 1));
        const vHat = v[i] / (1 - b2 ** (t + 1));
        p[i] -= o.lr * ((o.nus[0] * mHat + (1 - o.nus[0]) * g) / (Math.sqrt(o.nus[1] * vHat + (1 - o.nus[1]) * g * g) + o.eps));
      }
    });
    const gap = Math.max(...p.map((x, i) => Math.abs(x - opt.param('w')[i])));
    expect(gap).toBeGreaterThan(1e-3);
  });

  test('nus = (1, 1) is Adam (float32 on both sides), with coupled weight decay', () => {
    const qh = new QHAdam({ w: p0() }, { lr: 1e-2, weightDecay: 0.1 });
    const adam = new Adam({ w: p0() }, { lr: 1e-2, weightDecay: 0.1 });
    for (const g of gradStream(3, n, 30, 0.3)) {
      qh.grad('w').set(g);
      adam.grad('w').set(g);
      qh.step();
      adam.step();
      expectAllClose(qh.param('w'), adam.param('w'), 1e-5, 1e-6, 'QHAdam(1, 1) vs Adam');
    }
  });

  test('padding stays zero in every slot', () => {
    const opt = new QHAdam({ a: [3], b: [5] }, { lr: 0.1, nus: [0.7, 0.8], weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of opt.layout.groups[0].slots) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (!tensors.some((t) => i >= t.offset && i < t.offset + t.size)) expect(view[i]).toBe(0);
      }
    }
  });
});

describe('QHAdam.fromNadam', () => {
  test('returns nus = (β1, 1) and qhoptim’s defaults', () => {
    expect(QHAdam.fromNadam()).toEqual({ lr: 1e-3, betas: [0.9, 0.999], nus: [0.9, 1] });
    expect(QHAdam.fromNadam({ lr: 2e-3, betas: [0.95, 0.99] })).toEqual(qhadamFromNadam({ lr: 2e-3, betas: [0.95, 0.99] }));
    expect(() => QHAdam.fromNadam({ betas: [1, 0.99] })).toThrow('Invalid beta parameter at index 0: 1.0');
  });

  // NAdam (Dozat 2016) with a constant β1 = μ, in float64:
  //   m̂_t = μ m_t / (1 − μ^{t+1}) + (1 − μ) g_t / (1 − μ^t),  θ −= lr m̂_t / (sqrt(v_t / (1 − β2^t)) + ε).
  // QHAdam(ν1 = μ) uses (1 − μ) g_t + μ m_t / (1 − μ^t): the bias corrections differ by O(μ^t).
  // Tolerances: at t = 1 the updates differ by ~30% (documented, not a bug); the gap must shrink
  // like μ^t, below 1e-3 (relative) by step 100 (μ^100 ≈ 2.7e-5), and on a quadratic both
  // trajectories must end within 1e-3 of each other after 400 steps.
  const lr = 1e-2, mu = 0.9, beta2 = 0.999, eps = 1e-8;
  const n = 16;

  function nadamUpdates(grads: ArrayLike<number>[]): number[][] {
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    return grads.map((g, k) => {
      const t = k + 1;
      return Array.from({ length: n }, (_, i) => {
        m[i] = mu * m[i] + (1 - mu) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = (mu * m[i]) / (1 - mu ** (t + 1)) + ((1 - mu) * g[i]) / (1 - mu ** t);
        return -lr * (mHat / (Math.sqrt(v[i] / (1 - beta2 ** t)) + eps));
      });
    });
  }

  test('per-step updates on a fixed gradient stream: different at first, the gap decays like β1^t', () => {
    const grads = gradStream(9, n, 200, 1);
    const expected = nadamUpdates(grads);
    const opt = new QHAdam({ w: new Float32Array(n) }, QHAdam.fromNadam({ lr, betas: [mu, beta2] }));
    const gaps: number[] = [];
    grads.forEach((g, k) => {
      const before = Float64Array.from(opt.param('w'));
      opt.grad('w').set(g);
      opt.step();
      const upd = Array.from(opt.param('w'), (x, i) => x - before[i]);
      const diff = Math.hypot(...upd.map((u, i) => u - expected[k][i]));
      gaps.push(diff / Math.hypot(...expected[k]));
    });
    expect(gaps[0]).toBeGreaterThan(0.2);
    for (let k = 99; k < 200; k++) expect(gaps[k]).toBeLessThan(1e-3);
    expect(gaps[199]).toBeLessThan(gaps[9]);
  });

  test('trajectories on a quadratic end within 1e-3 of each other', () => {
    const h = Array.from({ length: n }, (_, i) => 0.2 + i / n);
    const grad = (x: ArrayLike<number>) => Array.from({ length: n }, (_, i) => h[i] * (x[i] - 1));
    // NAdam in float64 on the quadratic.
    const x = new Array<number>(n).fill(0);
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    const opt = new QHAdam({ w: new Float32Array(n) }, QHAdam.fromNadam({ lr, betas: [mu, beta2] }));
    for (let t = 1; t <= 400; t++) {
      const g = grad(x);
      for (let i = 0; i < n; i++) {
        m[i] = mu * m[i] + (1 - mu) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = (mu * m[i]) / (1 - mu ** (t + 1)) + ((1 - mu) * g[i]) / (1 - mu ** t);
        x[i] -= lr * (mHat / (Math.sqrt(v[i] / (1 - beta2 ** t)) + eps));
      }
      opt.grad('w').set(grad(opt.param('w')));
      opt.step();
    }
    expect(Math.max(...x.map((xi) => Math.abs(xi - 1)))).toBeLessThan(0.5); // it moved most of the way
    expectAllClose(opt.param('w'), x, 0, 1e-3, 'QHAdam.fromNadam vs NAdam (constant β1)');
  });
});

describe('qhadam options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1.0'],
    [{ nus: [1.5, 1] }, 'Invalid nu parameter at index 0: 1.5 (expected 0 <= nu <= 1)'],
    [{ nus: [1, -0.1] }, 'Invalid nu parameter at index 1: -0.1 (expected 0 <= nu <= 1)'],
    [{ nus: 0.7 }, 'Invalid nus: expected a pair [nu1, nu2], got 0.7'],
    [{ eps: 0 }, 'Invalid epsilon value: 0'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ decouple_weight_decay: true }, "Unknown option 'decouple_weight_decay' for qhadam; known options: lr, betas, nus, eps, weightDecay"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new QHAdam({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new QHAdam({ w: [2] }, options)).toThrow(message);
  });
  test('defaults are qhoptim’s', () => {
    expect(qhadamSpec.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], nus: [1, 1], eps: 1e-8, weightDecay: 0 });
  });
});
