/**
 * RAdam, rectified Adam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and
 * Beyond", Algorithm 2) — torch.optim.RAdam (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; coupled L2 unless decoupled)
 *   θ'  = θ_{t-1} (1 − γ λ)  if decoupledWeightDecay     (then g_t has no λ term)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t
 *   v_t = β2 v_{t-1} + (1 − β2) g_t²
 *   m̂_t = m_t / (1 − β1^t)
 *   ρ_∞ = 2 / (1 − β2) − 1,   ρ_t = ρ_∞ − 2 t β2^t / (1 − β2^t)
 *   if ρ_t > 5:
 *     l_t = sqrt(1 − β2^t) / (sqrt(v_t) + ε)
 *     r_t = sqrt((ρ_t − 4)(ρ_t − 2) ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2) ρ_t))
 *     θ_t = θ' − γ m̂_t r_t l_t
 *   else:
 *     θ_t = θ' − γ m̂_t                                  (plain momentum SGD while the variance is intractable)
 *
 * Convention: torch's. ε is added to sqrt(v_t) *before* the bias correction sqrt(1 − β2^t) is
 * applied (unlike Adam, where ε is added to the bias-corrected sqrt(v̂_t)); the paper's
 * pseudo-code has no ε. The threshold is torch's ρ_t > 5; with the default β2 = 0.999 the first 5
 * steps are unrectified. `decoupledWeightDecay` gives RAdamW (torch 2.x; not in torch 1.13); its
 * decay uses the current γ.
 * Whether to rectify depends only on t, so it is decided once per step here, not per element.
 * State slots: `exp_avg`, `exp_avg_sq`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface RAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

interface RAdamCoefficients {
  /** ρ_t > 5: take the rectified adaptive step. */
  readonly rectify: boolean;
  /** γ r_t sqrt(1 − β2^t) / (1 − β1^t) when rectifying, else γ / (1 − β1^t). */
  readonly stepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Coupled decay added to the gradient; 0 when decoupled. */
  readonly weightDecay: number;
  /** 1 − γλ when decoupled, else 1. */
  readonly paramScale: number;
  readonly gradSign: number;
}

export const radamSpec: RuleSpec<RAdamOptions, RAdamCoefficients> = {
  name: 'radam',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkWeightDecay(o.weightDecay);
    checkBoolean('decoupledWeightDecay', o.decoupledWeightDecay);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }],
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const t = s.step;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
    const rectify = rhoT > 5;
    let stepSize = o.lr / bc1;
    if (rectify) {
      const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
      stepSize *= rect * Math.sqrt(bc2);
    }
    const decoupled = o.decoupledWeightDecay;
    return {
      rectify,
      stepSize,
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: decoupled ? 0 : o.weightDecay,
      paramScale: decoupled ? 1 - o.lr * o.weightDecay : 1,
      gradSign: o.maximize ? -1 : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.radam_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps,
      c.weightDecay, c.paramScale, c.gradSign, c.rectify ? 1 : 0,
    );
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_avg_sq: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const p = c.paramScale * param[i];
      const g = c.gradSign * grad[i] + c.weightDecay * p;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      param[i] = c.rectify ? p - c.stepSize * (m[i] / (Math.sqrt(v[i]) + c.eps)) : p - c.stepSize * m[i];
    }
  },
};

/** RAdam (torch.optim.RAdam): Adam with the variance of the adaptive lr rectified. */
export class RAdam extends Optimizer<RAdamOptions, RAdamCoefficients> {
  constructor(params: ParamsInput<RAdamOptions>, options: OptimizerOptions<RAdamOptions> = {}) {
    super(radamSpec, params, options);
  }
}
