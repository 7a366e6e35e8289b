/**
 * Yogi (Zaheer, Reddi, Sachan, Kale & Kumar 2018, "Adaptive Methods for Nonconvex Optimization",
 * NeurIPS 2018, Algorithm 2).
 *
 *   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                        (λ = weightDecay, coupled L2)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t                      (m_0 = 0)
 *   v_t = v_{t-1} − (1 − β2) sign(v_{t-1} − g_t²) g_t²   (v_0 = initialAccumulator; sign(0) = 0)
 *   θ_t = θ_{t-1} − γ m̂_t / (sqrt(v̂_t) + ε)
 *
 * Bias correction (the `biasCorrection` option, default true): m̂_t = m_t/(1 − β1^t),
 * v̂_t = v_t/(1 − β2^t), with ε added to the corrected sqrt (this library's Adam convention, and
 * optax's). The paper's Algorithm 2 has no correction (m̂ = m, v̂ = v): `biasCorrection: false`.
 * The default follows the implementations people use (optax, TF-Addons, torch-optimizer all
 * correct), since without it early steps are several times γ (v starts near 0 and grows only
 * additively). TF-Addons adds ε to the uncorrected sqrt(v) instead; that form is not offered.
 * Defaults: γ = 1e-2, β = (0.9, 0.999), ε = 1e-3 (the paper's experimental settings; ε is much
 * larger than Adam's on purpose), initialAccumulator = 1e-6 (the TF-Addons / optax value), λ = 0.
 * Unlike optax, m starts at 0 (its m_0 = 1e-6 would also move alignment padding). v stays positive
 * when it starts positive (each step moves it at most a fraction 1 − β2 of the way toward g²), so
 * eps = 0 is allowed unless initialAccumulator is 0 too. State slots: `exp_avg`, `exp_avg_sq`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkNonNegative, checkWeightDecay } from '../validate';

export interface YogiOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** The initial value of v (the second moment), for every element. */
  initialAccumulator: number;
  weightDecay: number;
  /** Adam-style bias correction of m and v (default); false is the paper's Algorithm 2. */
  biasCorrection: boolean;
}

interface YogiCoefficients {
  readonly lr: number;
  /** γ/(1 − β1^t), or γ without bias correction. */
  readonly stepSize: number;
  /** 1/sqrt(1 − β2^t), or 1 without bias correction. */
  readonly denScale: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const yogiSpec: RuleSpec<YogiOptions, YogiCoefficients> = {
  name: 'yogi',
  defaults: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-3, initialAccumulator: 1e-6, weightDecay: 0, biasCorrection: true },
  validate(o) {
    checkLr(o.lr);
    checkBetas(o.betas);
    checkEps(o.eps);
    checkNonNegative('initial_accumulator', o.initialAccumulator);
    checkWeightDecay(o.weightDecay);
    checkBoolean('biasCorrection', o.biasCorrection);
    if (o.eps === 0 && o.initialAccumulator === 0) {
      throw new InvalidOptionError('Yogi needs eps > 0 or initialAccumulator > 0 (otherwise untouched elements divide 0 by 0)');
    }
  },
  slots: (o) => [{ name: 'exp_avg' }, { name: 'exp_avg_sq', init: o.initialAccumulator }],
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const bc = o.biasCorrection;
    return {
      lr: o.lr,
      stepSize: bc ? o.lr / (1 - beta1 ** s.step) : o.lr,
      denScale: bc ? 1 / Math.sqrt(1 - beta2 ** s.step) : 1,
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.yogi_step(ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n, c.stepSize, c.denScale, 1 - c.beta1, 1 - c.beta2, c.eps, c.weightDecay);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_avg_sq: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] + c.weightDecay * param[i];
      const g2 = g * g;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] -= (1 - c.beta2) * Math.sign(v[i] - g2) * g2;
      param[i] -= c.stepSize * (m[i] / (Math.sqrt(v[i]) * c.denScale + c.eps));
    }
  },
};

/** Yogi: Adam with an additive, sign-controlled second-moment update. */
export class Yogi extends Optimizer<YogiOptions, YogiCoefficients> {
  constructor(params: ParamsInput<YogiOptions>, options: OptimizerOptions<YogiOptions> = {}) {
    super(yogiSpec, params, options);
  }
}
