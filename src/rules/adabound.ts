/**
 * AdaBound / AMSBound (Luo, Xiong, Liu & Sun 2019, "Adaptive Gradient Methods with Dynamic Bound of
 * Learning Rate", ICLR 2019), with the official code's update (Luolc/AdaBound, `AdaBound`).
 *
 *   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                        (λ = weightDecay, coupled L2)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t,  v_t = β2 v_{t-1} + (1 − β2) g_t²
 *   v̂max_t = max(v̂max_{t-1}, v_t)                       (amsbound: the max of the uncorrected v)
 *   f_t = finalLr · lr_t / base_lr                       (the bounds follow lr schedules)
 *   lower_t = f_t (1 − 1/(gamma·t + 1)),  upper_t = f_t (1 + 1/(gamma·t))
 *   η_t = clip(lr_t sqrt(1 − β2^t)/(1 − β1^t) / (sqrt(v_t or v̂max_t) + ε), lower_t, upper_t)
 *   θ_t = θ_{t-1} − η_t ⊙ m_t
 *
 * Convention: the official code's, which clips lr_t/(sqrt(v) + ε) with the bias corrections folded
 * into lr_t sqrt(1 − β2^t)/(1 − β1^t) and ε added to the *uncorrected* sqrt(v) (Adam's "ε-hat"
 * form), not the paper's Algorithm 2, which has no bias correction. base_lr is the group's lr when
 * the optimizer was created, kept as the group scalar `base_lr` (it travels in state dicts), so an
 * lr schedule scales the bounds too; a group created with lr = 0 has no base to scale from and uses
 * finalLr as given. Defaults: the official lr 1e-3, betas (0.9, 0.999), finalLr 0.1, gamma 1e-3,
 * eps 1e-8, weightDecay 0, amsbound false. The official AdaBoundW (decoupled decay without the lr
 * factor) is not offered. gamma = 0 (bounds [0, ∞): plain Adam-like steps) needs eps > 0.
 * State slots: `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsbound.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AdaBoundOptions {
  lr: number;
  betas: [number, number];
  /** The SGD lr the bounds converge to (scaled by lr / base_lr). */
  finalLr: number;
  /** Convergence speed of the bounds, in [0, 1). */
  gamma: number;
  eps: number;
  weightDecay: number;
  amsbound: boolean;
}

interface AdaBoundCoefficients {
  /** lr sqrt(1 − β2^t)/(1 − β1^t). */
  readonly stepSize: number;
  readonly lower: number;
  readonly upper: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const adaboundSpec: RuleSpec<AdaBoundOptions, AdaBoundCoefficients> = {
  name: 'adabound',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], finalLr: 0.1, gamma: 1e-3, eps: 1e-8, weightDecay: 0, amsbound: false },
  validate(o) {
    checkLr(o.lr);
    checkBetas(o.betas);
    if (typeof o.finalLr !== 'number' || !(o.finalLr >= 0) || !Number.isFinite(o.finalLr)) {
      throw new InvalidOptionError(`Invalid final learning rate: ${String(o.finalLr)}`);
    }
    if (typeof o.gamma !== 'number' || !(o.gamma >= 0 && o.gamma < 1)) {
      throw new InvalidOptionError(`Invalid gamma parameter: ${String(o.gamma)} (expected 0 <= gamma < 1)`);
    }
    checkEps(o.eps);
    checkWeightDecay(o.weightDecay);
    checkBoolean('amsbound', o.amsbound);
    if (o.gamma === 0 && o.eps === 0) {
      throw new InvalidOptionError('AdaBound with gamma = 0 (no upper bound) needs eps > 0');
    }
  },
  slots: (o) =>
    o.amsbound ? [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }, { name: 'max_exp_avg_sq' }] : [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }],
  initialScalars: (o) => ({ base_lr: o.lr }),
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const t = s.step;
    const finalLr = s.base_lr > 0 ? (o.finalLr * o.lr) / s.base_lr : o.finalLr;
    return {
      stepSize: (o.lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t),
      lower: finalLr * (1 - 1 / (o.gamma * t + 1)),
      upper: finalLr * (1 + 1 / (o.gamma * t)),
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
    };
  },
  wasmStep(k, ptr, n, o, c) {
    k.adabound_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, o.amsbound ? ptr.max_exp_avg_sq : 0, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.weightDecay, c.lower, c.upper, o.amsbound ? 1 : 0,
    );
  },
  referenceStep({ param, grad, slots }, o, c) {
    const { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] + c.weightDecay * param[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      let vv = v[i];
      if (o.amsbound) vv = vmax[i] = Math.max(vmax[i], v[i]);
      const eta = Math.min(Math.max(c.stepSize / (Math.sqrt(vv) + c.eps), c.lower), c.upper);
      param[i] -= eta * m[i];
    }
  },
};

/** AdaBound (and AMSBound): Adam whose per-element step is clipped into bounds that tighten toward SGD. */
export class AdaBound extends Optimizer<AdaBoundOptions, AdaBoundCoefficients> {
  constructor(params: ParamsInput<AdaBoundOptions>, options: OptimizerOptions<AdaBoundOptions> = {}) {
    super(adaboundSpec, params, options);
  }
}
