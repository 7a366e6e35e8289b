/**
 * AdaMomentum ("Adapting Stepsizes by Momentumized Gradients Improves Optimization and Generalization",
 * anonymous ICLR 2022 submission, Algorithm 1; shared/papers/adamomentum-iclr2022.txt).
 *
 *   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                        (coupled L2, the default)
 *   θ'  = θ_{t-1} (1 − γ λ)                              (decoupled: true, AdamW-style, instead)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t
 *   v_t = β2 v_{t-1} + (1 − β2) m_t² + ε                 (the momentum squared; ε inside, every step)
 *   m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t)
 *   θ_t = θ' − γ m̂_t / sqrt(v̂_t)                         (no ε outside the square root)
 *
 * Bias correction applies to the whole of v_t, ε included, exactly as Algorithm 1 writes it: the
 * ε terms sum to ε(1 − β2^t)/(1 − β2), so v̂_t = Σ-part/(1 − β2^t) + ε/(1 − β2) at every step
 * (the paper's §2 uses this: the floor under v̂ is ε/(1 − β2), not ε). The kernel folds both
 * corrections into one factor, γ sqrt(1 − β2^t)/(1 − β1^t) · m_t / sqrt(v_t), the same value.
 * Weight decay: Algorithm 1 has none; the paper tunes a "weight decay" for AdaMomentum alongside
 * Adam, whose weight decay is the coupled L2 term, and lists AdamW (decoupled) as a separate
 * method, so coupled is the default and `decoupled: true` gives AdamW-style decay with the current
 * lr. There is no official package (the submission links anonymous experiment code); third-party
 * versions agree on this form.
 * Defaults: γ = 1e-3, β = (0.9, 0.999), ε = 1e-8 (the paper's setting for image classification; it
 * uses 1e-16 for other tasks), λ = 0. ε must be > 0: with no outer ε, an element whose gradients
 * have all been zero (alignment padding included) would divide 0 by 0.
 * State slots: `exp_avg` (m), `exp_avg_sq` (v, ε terms included).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { adamomentumPrecisions } from '../lowp/rules';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AdaMomentumOptions {
  lr: number;
  betas: [number, number];
  /** Added to v every step (inside the square root). */
  eps: number;
  weightDecay: number;
  /** false: coupled L2 (added to the gradient); true: θ *= 1 − γλ before the update. */
  decoupled: boolean;
}

export interface AdaMomentumCoefficients {
  readonly lr: number;
  readonly bc1: number;
  readonly bc2: number;
  /** γ sqrt(1 − β2^t) / (1 − β1^t). */
  readonly stepSize: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly paramScale: number;
}

export const adamomentumSpec: RuleSpec<AdaMomentumOptions, AdaMomentumCoefficients> = {
  name: 'adamomentum',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false },
  validate(o) {
    checkLr(o.lr);
    checkBetas(o.betas);
    checkEps(o.eps, true);
    checkWeightDecay(o.weightDecay);
    checkBoolean('decoupled', o.decoupled);
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }],
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const bc1 = 1 - beta1 ** s.step;
    const bc2 = 1 - beta2 ** s.step;
    return {
      lr: o.lr,
      bc1,
      bc2,
      stepSize: (o.lr * Math.sqrt(bc2)) / bc1,
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.decoupled ? 0 : o.weightDecay,
      paramScale: o.decoupled ? 1 - o.lr * o.weightDecay : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.adamomentum_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.weightDecay, c.paramScale,
    );
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_avg_sq: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const p = c.paramScale * param[i];
      const g = grad[i] + c.weightDecay * p;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * m[i] * m[i] + c.eps;
      param[i] = p - c.lr * ((m[i] / c.bc1) / Math.sqrt(v[i] / c.bc2));
    }
  },
  precisions: adamomentumPrecisions,
};

/** AdaMomentum: Adam with the momentum, not the gradient, in the second moment, and ε inside the square root. */
export class AdaMomentum extends Optimizer<AdaMomentumOptions, AdaMomentumCoefficients> {
  constructor(params: ParamsInput<AdaMomentumOptions>, options: OptimizerOptions<AdaMomentumOptions> = {}) {
    super(adamomentumSpec, params, options);
  }
}
