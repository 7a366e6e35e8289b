// QHM: the SIMD kernel against the float64 reference, qhoptim's update by hand, its identities with
// SGD / momentum / Nesterov, and the conversions, each checked against a float64 simulation of the
// original algorithm on a quadratic.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  init, InvalidOptionError, QHM, SGD, qhmFromAccSgd, qhmFromPid, qhmFromRobustMomentum, qhmFromSynthesizedNesterov,
  qhmFromTwoStateOptimizer, type QHMParams,
} from '../../src/index';
import { qhmSpec } from '../../src/rules/qhm';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 0.5, momentum: 0.9, nu: 0.7 },
  { lr: 1.0, weightDecay: 0.01 },
  { lr: 0.3, momentum: 0.5, nu: 1.2, weightDecay: 0.1, weightDecayType: 'direct' },
  { lr: 0.2, momentum: 0, nu: 0 },
];

describe.each(variants)('qhm kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(qhmSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(qhmSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 0.05, nu: 0.3 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(qhmSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

/** The gradient stream used by the identity tests: seeded normal values. */
function gradStream(seed: number, n: number, steps: number): Float32Array[] {
  const normal = gaussian(rng(seed));
  return Array.from({ length: steps }, () => Float32Array.from({ length: n }, () => normal()));
}

describe('qhm by hand', () => {
  test('qhoptim’s update, three steps, both decay types', () => {
    for (const weightDecayType of ['grad', 'direct'] as const) {
      const lr = 0.5, beta = 0.8, nu = 0.6, wd = 0.1;
      const opt = new QHM({ w: new Float32Array([1, -2]) }, { lr, momentum: beta, nu, weightDecay: wd, weightDecayType });
      let p = [1, -2];
      let b = [0, 0];
      for (const gr of [[0.3, -0.4], [-1, 2], [0.5, 0.25]]) {
        opt.grad('w').set(gr);
        opt.step();
        // qhoptim: 'grad' adds wd*p to the gradient; 'direct' scales p by 1 - lr*wd first.
        const g = gr.map((x, i) => (weightDecayType === 'grad' ? x + wd * p[i] : x));
        if (weightDecayType === 'direct') p = p.map((x) => x * (1 - lr * wd));
        b = b.map((x, i) => beta * x + (1 - beta) * g[i]);
        p = p.map((x, i) => x - lr * nu * b[i] - lr * (1 - nu) * g[i]);
        expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
        expect(Array.from(opt.state('w', 'momentum_buffer'))).toEqual(b.map((x) => expect.closeTo(x, 6)));
      }
    }
  });

  test('padding stays zero in param, grad and buffer', () => {
    const opt = new QHM({ a: [3], b: [5] }, { lr: 0.5, weightDecay: 0.1, weightDecayType: 'direct' });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 3; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors } = opt.layout.groups[0];
    for (const slot of ['param', 'grad', 'momentum_buffer']) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });
});

describe('qhm identities', () => {
  const n = 37;
  const steps = 12;
  const init0 = () => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));

  test('nu = 1 is dampened momentum (b = βb + (1 − β)g, θ −= αb), simulated in float64', () => {
    const alpha = 0.4, beta = 0.9;
    const opt = new QHM({ w: init0() }, { lr: alpha, momentum: beta, nu: 1 });
    const p = Float64Array.from(init0());
    const b = new Float64Array(n);
    for (const g of gradStream(3, n, steps)) {
      opt.grad('w').set(g);
      opt.step();
      for (let i = 0; i < n; i++) {
        b[i] = beta * b[i] + (1 - beta) * g[i];
        p[i] -= alpha * b[i];
      }
      expectAllClose(opt.param('w'), p, 1e-5, 1e-6, 'dampened momentum');
    }
  });

  test('nu = 1 with lr α is torch SGD with momentum β and lr α(1 − β); nu = β is its Nesterov form', () => {
    const alpha = 0.4, beta = 0.9;
    for (const nesterov of [false, true]) {
      const qhm = new QHM({ w: init0() }, { lr: alpha, momentum: beta, nu: nesterov ? beta : 1 });
      const sgd = new SGD({ w: init0() }, { lr: alpha * (1 - beta), momentum: beta, nesterov });
      for (const g of gradStream(4, n, steps)) {
        qhm.grad('w').set(g);
        sgd.grad('w').set(g);
        qhm.step();
        sgd.step();
        expectAllClose(qhm.param('w'), sgd.param('w'), 1e-5, 1e-6, nesterov ? 'nesterov' : 'momentum');
      }
    }
  });

  test('nu = 0 is plain SGD with lr α (the buffer is kept but unused)', () => {
    const qhm = new QHM({ w: init0() }, { lr: 0.3, momentum: 0.95, nu: 0, weightDecay: 0.01 });
    const sgd = new SGD({ w: init0() }, { lr: 0.3, weightDecay: 0.01 });
    for (const g of gradStream(5, n, steps)) {
      qhm.grad('w').set(g);
      sgd.grad('w').set(g);
      qhm.step();
      sgd.step();
      expectAllClose(qhm.param('w'), sgd.param('w'), 1e-6, 1e-7, 'sgd');
    }
  });
});

// A strongly convex quadratic f(x) = ½ xᵀAx − cᵀx with eigenvalues in [μ, L] = [0.25, 2].
const A = [
  [1.6, 0.3, 0.1],
  [0.3, 1.0, -0.2],
  [0.1, -0.2, 0.5],
];
const C = [1, -0.5, 0.25];
const quadGrad = (x: ArrayLike<number>): number[] => A.map((row, i) => row.reduce((s, a, j) => s + a * x[j], 0) - C[i]);
const X0 = [2, -1, 0.5];
const STEPS = 60;

function eigenBounds(): [number, number] {
  // Power iteration for L and for L − λmin (on LI − A): enough for a 3×3 SPD matrix.
  const power = (M: number[][]): number => {
    let v = [1, 0.7, 0.3];
    let lambda = 0;
    for (let k = 0; k < 500; k++) {
      const w = M.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
      lambda = Math.hypot(...w);
      v = w.map((x) => x / lambda);
    }
    return lambda;
  };
  const L = power(A);
  const shifted = A.map((row, i) => row.map((a, j) => (i === j ? L - a : -a)));
  return [L - power(shifted), L];
}

/** QHM in float64: the trajectory θ_0, θ_1, ... on the quadratic. */
function simulateQHM({ lr, momentum, nu }: QHMParams): number[][] {
  let th = [...X0];
  let b = [0, 0, 0];
  const out = [th];
  for (let t = 0; t < STEPS; t++) {
    const g = quadGrad(th);
    b = b.map((x, i) => momentum * x + (1 - momentum) * g[i]);
    th = th.map((x, i) => x - lr * ((1 - nu) * g[i] + nu * b[i]));
    out.push(th);
  }
  return out;
}

/** The edgeoptim QHM (float32, wasm) on the same quadratic. */
function runQHM(params: QHMParams): number[][] {
  const opt = new QHM({ x: Float32Array.from(X0) }, params);
  const out = [Array.from(opt.param('x'))];
  for (let t = 0; t < STEPS; t++) {
    opt.grad('x').set(quadGrad(opt.param('x')));
    opt.step();
    out.push(Array.from(opt.param('x')));
  }
  return out;
}

function expectSameTrajectory(original: number[][], params: QHMParams, label: string): void {
  const sim = simulateQHM(params);
  const wasm = runQHM(params);
  original.forEach((x, t) => {
    expectAllClose(sim[t], x, 1e-10, 1e-12, `${label}: float64 QHM at step ${t}`);
    expectAllClose(wasm[t], x, 1e-4, 1e-5, `${label}: edgeoptim QHM at step ${t}`);
  });
  // The run went somewhere: a conversion that happened to stand still would prove nothing.
  expect(Math.hypot(...original[STEPS].map((x, i) => x - X0[i]))).toBeGreaterThan(0.1);
}

/** Lessard et al.'s parameterization: ξ' = ξ + β1(ξ − ξ₋) − a∇f(y), y = ξ + β2(ξ − ξ₋); returns the y_t. */
function simulateLessard(a: number, beta1: number, beta2: number): number[][] {
  let xi = [...X0];
  let prev = [...X0];
  const out: number[][] = [];
  for (let t = 0; t <= STEPS; t++) {
    const y = xi.map((x, i) => x + beta2 * (x - prev[i]));
    out.push(y);
    const g = quadGrad(y);
    const next = xi.map((x, i) => x + beta1 * (x - prev[i]) - a * g[i]);
    prev = xi;
    xi = next;
  }
  return out;
}

describe('qhm conversions reproduce the original algorithms', () => {
  const [mu, L] = eigenBounds();
  const kappa = L / mu;

  test('PID (Recht 2018) with the derivative filter k_D / (k_D − k_P)', () => {
    const kP = -0.05, kI = 0.3, kD = 0.5;
    const rho = kD / (kD - kP);
    let x = [...X0];
    let w = [0, 0, 0];
    let v = [0, 0, 0];
    let ePrev = [0, 0, 0];
    const out = [x];
    for (let t = 0; t < STEPS; t++) {
      const e = quadGrad(x).map((g) => -g);
      w = w.map((wi, i) => wi + e[i]);
      v = v.map((vi, i) => rho * vi + (1 - rho) * (e[i] - ePrev[i]));
      ePrev = e;
      x = X0.map((x0, i) => x0 + kP * e[i] + kI * w[i] + kD * v[i]);
      out.push(x);
    }
    const params = QHM.fromPid({ kP, kI, kD });
    expect(params).toEqual(qhmFromPid({ kP, kI, kD }));
    expect(params.lr).toBe(kI);
    expectSameTrajectory(out, params, 'PID');
  });

  test('synthesized Nesterov (Lessard et al. 2016)', () => {
    const sn = { alpha: 0.1, beta1: 0.9, beta2: 0.6 };
    const params = QHM.fromSynthesizedNesterov(sn);
    expect(params).toEqual(qhmFromSynthesizedNesterov(sn));
    expect(params.lr).toBeCloseTo(1, 12);
    expectSameTrajectory(simulateLessard(sn.alpha, sn.beta1, sn.beta2), params, 'synthesized Nesterov');
  });

  test('Robust Momentum (Cyrus et al. 2018)', () => {
    const rho = 0.75; // within [1 − 1/√κ, 1 − 1/κ]
    expect(rho).toBeGreaterThan(1 - 1 / Math.sqrt(kappa));
    expect(rho).toBeLessThan(1 - 1 / kappa);
    const a = (kappa * (1 - rho) ** 2 * (1 + rho)) / L;
    const beta1 = (kappa * rho ** 3) / (kappa - 1);
    const beta2 = rho ** 3 / ((kappa - 1) * (1 - rho) ** 2 * (1 + rho));
    const params = QHM.fromRobustMomentum({ l: L, kappa, rho });
    expect(params).toEqual(qhmFromRobustMomentum({ l: L, kappa, rho }));
    expectSameTrajectory(simulateLessard(a, beta1, beta2), params, 'Robust Momentum');
  });

  test('Triple Momentum (Van Scoy et al. 2018) when rho is omitted, from its own parameterization', () => {
    const rho = 1 - 1 / Math.sqrt(kappa);
    const a = (1 + rho) / L;
    const beta1 = rho ** 2 / (2 - rho);
    const beta2 = rho ** 2 / ((1 + rho) * (2 - rho));
    const original = simulateLessard(a, beta1, beta2);
    expectSameTrajectory(original, QHM.fromRobustMomentum({ l: L, kappa }), 'Triple Momentum');
    // Triple Momentum converges at rate ρ on this quadratic: check it did (the conversion is exact).
    const xStar = [0, 0, 0];
    {
      // Solve A x = C by a few hundred gradient steps (A is tiny and well conditioned).
      for (let k = 0; k < 5000; k++) {
        const g = quadGrad(xStar);
        for (let i = 0; i < 3; i++) xStar[i] -= 0.4 * g[i];
      }
    }
    expect(Math.hypot(...original[STEPS].map((x, i) => x - xStar[i]))).toBeLessThan(1e-6);
  });

  test('AccSGD (Kidambi et al. 2018), eps = 0.7 and 0.5', () => {
    for (const eps of [0.7, 0.5]) {
      const delta = 0.1, kap = 1000, xi = 10;
      const c = 1 - (eps * eps * xi) / kap;
      let w = [...X0];
      let wBar = [...X0];
      const out = [w];
      for (let t = 0; t < STEPS; t++) {
        const g = quadGrad(w);
        wBar = wBar.map((b, i) => c * b + (1 - c) * (w[i] - ((kap * delta) / eps) * g[i]));
        w = w.map((x, i) => (eps * (x - delta * g[i]) + (1 - c) * wBar[i]) / (eps + 1 - c));
        out.push(w);
      }
      const params = eps === 0.7 ? QHM.fromAccSgd({ delta, kappa: kap, xi }) : QHM.fromAccSgd({ delta, kappa: kap, xi, eps });
      expect(params).toEqual(qhmFromAccSgd({ delta, kappa: kap, xi, eps }));
      expectSameTrajectory(out, params, `AccSGD eps=${eps}`);
    }
  });

  test('two-state optimizers: qhoptim’s example and a general one with q ≠ 1, k ≠ 0', () => {
    expect(QHM.fromTwoStateOptimizer({ h: 0.9, k: 0, l: 0.1, m: -0.09, q: 1, z: -0.01 })).toEqual({
      lr: expect.closeTo(0.1, 12), momentum: expect.closeTo(0.9, 12), nu: expect.closeTo(1, 12),
    });
    const h = 0.85, q = 0.95, m = 0.2, k = ((1 - h) * (1 - q)) / m, l = -0.3, z = -0.05;
    const tso = { h, k, l, m, q, z };
    let a = X0.map((x) => ((1 - q) * x) / m); // starts at rest: m a_0 + q θ_0 = θ_0
    let th = [...X0];
    const out = [th];
    for (let t = 0; t < STEPS; t++) {
      const g = quadGrad(th);
      const aNext = a.map((ai, i) => h * ai + k * th[i] + l * g[i]);
      th = a.map((ai, i) => m * ai + q * th[i] + z * g[i]);
      a = aNext;
      out.push(th);
    }
    const params = QHM.fromTwoStateOptimizer(tso);
    expect(params).toEqual(qhmFromTwoStateOptimizer(tso));
    expect(params.nu).toBeGreaterThan(1);
    expectSameTrajectory(out, params, 'TSO');
  });

  test('AccSGD is a two-state optimizer: both conversions agree', () => {
    const delta = 0.1, kap = 1000, xi = 10, eps = 0.7;
    const c = 1 - (eps * eps * xi) / kap;
    const s = eps / (eps + 1 - c), d = (1 - c) / (eps + 1 - c);
    const viaTso = QHM.fromTwoStateOptimizer({
      h: c, k: 1 - c, l: (-(1 - c) * kap * delta) / eps,
      m: d * c, q: s + d * (1 - c), z: -s * delta - (d * (1 - c) * kap * delta) / eps,
    });
    const direct = QHM.fromAccSgd({ delta, kappa: kap, xi, eps });
    expect(viaTso.lr).toBeCloseTo(direct.lr, 10);
    expect(viaTso.momentum).toBeCloseTo(direct.momentum, 12);
    expect(viaTso.nu).toBeCloseTo(direct.nu, 10);
  });

  const badConversions: [() => unknown, string][] = [
    [() => QHM.fromTwoStateOptimizer({ h: 0.9, k: 0.1, l: 0.1, m: -0.09, q: 1, z: -0.01 }), 'not recoverable by QHM'],
    [() => QHM.fromTwoStateOptimizer({ h: 1, k: 0, l: 0.1, m: -0.09, q: 1, z: -0.01 }), 'double pole at 1'],
    [() => QHM.fromPid({ kP: 1, kI: 1, kD: 1 }), 'kD must differ from kP'],
    [() => QHM.fromPid({ kP: 1, kI: 0, kD: 2 }), 'Invalid kI'],
    [() => QHM.fromSynthesizedNesterov({ alpha: 0.1, beta1: 0, beta2: 0.5 }), 'Invalid beta1'],
    [() => QHM.fromRobustMomentum({ l: 1, kappa: 1 }), 'Invalid kappa (condition ratio): 1'],
    [() => QHM.fromRobustMomentum({ l: 1, kappa: 10, rho: 1 }), 'Invalid rho: 1'],
    [() => QHM.fromAccSgd({ delta: 0.1, kappa: 100, xi: 10, eps: 1 }), 'Invalid eps: 1'],
    [() => QHM.fromAccSgd({ delta: Number.NaN, kappa: 100, xi: 10 }), 'Invalid delta (short step): NaN'],
  ];
  test.each(badConversions)('bad conversion input %# is rejected', (convert, message) => {
    expect(convert).toThrow(InvalidOptionError);
    expect(convert).toThrow(message);
  });
});

describe('qhm options', () => {
  const bad: [Record<string, unknown>, string][] = [
    [{}, 'QHM needs an explicit lr'],
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ lr: 1, momentum: -0.5 }, 'Invalid momentum value: -0.5'],
    [{ lr: 1, nu: Number.NaN }, 'Invalid nu value: NaN (expected a finite number)'],
    [{ lr: 1, weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ lr: 1, weightDecayType: 'decoupled' }, "Invalid weight_decay_type value: decoupled (expected 'grad' or 'direct')"],
    [{ lr: 1, weight_decay_type: 'grad' }, "Unknown option 'weight_decay_type' for qhm; did you mean 'weightDecayType'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    expect(() => new QHM({ w: [2] }, options)).toThrow(InvalidOptionError);
    expect(() => new QHM({ w: [2] }, options)).toThrow(message);
  });
  test('lr may be given per group instead', () => {
    const opt = new QHM([{ params: { a: [2] }, lr: 0.1 }, { params: { b: [3] }, lr: 0.2 }]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
  test('defaults: lr required, the paper’s momentum 0.999 and nu 0.7', () => {
    expect(qhmSpec.defaults).toEqual({ lr: Number.NaN, momentum: 0.999, nu: 0.7, weightDecay: 0, weightDecayType: 'grad' });
  });
});
