/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed
 * Gradients", NeurIPS 2020), with the official adabelief-pytorch (>= 0.1) update.
 *
 *   θ'  = θ_{t-1} (1 − γ λ)                              (decoupled: true, the default)
 *   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                        (decoupled: false: coupled L2 instead)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t
 *   s_t = β2 s_{t-1} + (1 − β2)(g_t − m_t)² + ε          (ε stored into s every step)
 *   ŝmax_t = max(ŝmax_{t-1}, s_t)                        (amsgrad: the max of the uncorrected s)
 *   θ_t = θ' − (γ / (1 − β1^t)) · m_t / (sqrt(s_t or ŝmax_t) / sqrt(1 − β2^t) + ε)
 *
 * rectify (RAdam-style, as the official `rectify=True` with degenerated_to_sgd=True): with
 * ρ∞ = 2/(1 − β2) − 1 and ρ_t = ρ∞ − 2tβ2^t/(1 − β2^t), when ρ_t >= 5 the step is
 *   θ_t = θ' − γ r_t m_t / (sqrt(s_t) + ε),
 *   r_t = sqrt((1 − β2^t)(ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t)) / (1 − β1^t),
 * and otherwise the SGD-with-momentum step θ_t = θ' − γ m_t / (1 − β1^t) (s is still updated).
 * The threshold is the official `>= 5` (torch's RAdam uses > 5).
 *
 * Convention and defaults: the official package's lr 1e-3, betas (0.9, 0.999), eps 1e-16,
 * weightDecay 0 and weight_decouple=True (`decoupled`, decayed with the current lr, not
 * `fixed_decay`, which is not offered). Two differences from the official defaults: `rectify` is
 * off by default (the paper's algorithm; the package defaults to True), and amsgrad cannot be
 * combined with rectify (the official rectified branch silently ignores the max). ε must be > 0
 * (with ε = 0 an element whose gradients have all been zero, alignment padding included, would
 * divide 0 by 0). State slots: `exp_avg`, `exp_avg_var` (ε terms included), `max_exp_avg_var`
 * with amsgrad.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AdaBeliefOptions {
  lr: number;
  betas: [number, number];
  /** Added into s every step and to the denominator (official default 1e-16). */
  eps: number;
  weightDecay: number;
  /** true (official default): θ *= 1 − γλ before the update; false: coupled L2 in the gradient. */
  decoupled: boolean;
  amsgrad: boolean;
  /** RAdam-style rectification with the SGD fallback while ρ_t < 5. */
  rectify: boolean;
}

interface AdaBeliefCoefficients {
  readonly stepSize: number;
  /** Multiplies sqrt(s): 1/sqrt(1 − β2^t) (plain), 1 (rectified) or 0 (SGD fallback). */
  readonly denScale: number;
  /** Added to the denominator: ε, or 1 for the SGD fallback (so m/denominator is m). */
  readonly epsDen: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly paramScale: number;
}

export const adabeliefSpec: RuleSpec<AdaBeliefOptions, AdaBeliefCoefficients> = {
  name: 'adabelief',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-16, weightDecay: 0, decoupled: true, amsgrad: false, rectify: false },
  validate(o) {
    checkLr(o.lr);
    checkBetas(o.betas);
    checkEps(o.eps, true);
    checkWeightDecay(o.weightDecay);
    checkBoolean('decoupled', o.decoupled);
    checkBoolean('amsgrad', o.amsgrad);
    checkBoolean('rectify', o.rectify);
    if (o.amsgrad && o.rectify) {
      throw new InvalidOptionError('AdaBelief: amsgrad and rectify cannot be combined (the official rectified update ignores the max)');
    }
  },
  slots: (o) =>
    o.amsgrad ? [{ name: 'exp_avg' }, { name: 'exp_avg_var' }, { name: 'max_exp_avg_var' }] : [{ name: 'exp_avg' }, { name: 'exp_avg_var' }],
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const t = s.step;
    const bc1 = 1 - beta1 ** t;
    const beta2t = beta2 ** t;
    const bc2 = 1 - beta2t;
    const common = {
      beta1, beta2, eps: o.eps,
      weightDecay: o.decoupled ? 0 : o.weightDecay,
      paramScale: o.decoupled ? 1 - o.lr * o.weightDecay : 1,
    };
    if (!o.rectify) return { ...common, stepSize: o.lr / bc1, denScale: 1 / Math.sqrt(bc2), epsDen: o.eps };
    const rhoInf = 2 / (1 - beta2) - 1;
    const rho = rhoInf - (2 * t * beta2t) / bc2;
    if (rho >= 5) {
      const r = Math.sqrt((bc2 * (rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)) / bc1;
      return { ...common, stepSize: o.lr * r, denScale: 1, epsDen: o.eps };
    }
    return { ...common, stepSize: o.lr / bc1, denScale: 0, epsDen: 1 };
  },
  wasmStep(k, ptr, n, o, c) {
    k.adabelief_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_var, o.amsgrad ? ptr.max_exp_avg_var : 0, n,
      c.stepSize, c.denScale, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.epsDen, c.weightDecay, c.paramScale, o.amsgrad ? 1 : 0,
    );
  },
  referenceStep({ param, grad, slots }, o, c) {
    const { exp_avg: m, exp_avg_var: sv, max_exp_avg_var: smax } = slots;
    for (let i = 0; i < param.length; i++) {
      const p = c.paramScale * param[i];
      const g = grad[i] + c.weightDecay * p;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      const d = g - m[i];
      sv[i] = c.beta2 * sv[i] + (1 - c.beta2) * d * d + c.eps;
      let ss = sv[i];
      if (o.amsgrad) ss = smax[i] = Math.max(smax[i], sv[i]);
      param[i] = p - c.stepSize * (m[i] / (Math.sqrt(ss) * c.denScale + c.epsDen));
    }
  },
};

/** AdaBelief: Adam whose second moment is the EMA of (g − m)², the "belief" in the observed gradient. */
export class AdaBelief extends Optimizer<AdaBeliefOptions, AdaBeliefCoefficients> {
  constructor(params: ParamsInput<AdaBeliefOptions>, options: OptimizerOptions<AdaBeliefOptions> = {}) {
    super(adabeliefSpec, params, options);
  }
}
