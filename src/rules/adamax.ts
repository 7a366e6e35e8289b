/**
 * Adamax (Kingma & Ba 2015, Algorithm 2: Adam under the infinity norm) with torch.optim.Adamax's
 * conventions (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t                       (exp_avg)
 *   u_t = max(β2 u_{t-1}, |g_t| + ε)                      (exp_inf)
 *   θ_t = θ_{t-1} − (γ / (1 − β1^t)) · m_t / u_t           (γ = lr)
 *
 * Convention: torch's. ε is added to |g_t| inside the max, which keeps u_t > 0; the paper and the
 * overview post have u_t = max(β2 u_{t-1}, |g_t|) with no ε at all. Only m is bias-corrected.
 * State slots: `exp_avg`, `exp_inf`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AdamaxOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

interface AdamaxCoefficients {
  /** γ / (1 − β1^t). */
  readonly clr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly gradSign: number;
}

export const adamaxSpec: RuleSpec<AdamaxOptions, AdamaxCoefficients> = {
  name: 'adamax',
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkWeightDecay(o.weightDecay);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_inf' }],
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    return {
      clr: o.lr / (1 - beta1 ** s.step),
      beta1,
      beta2,
      eps: o.eps,
      weightDecay: o.weightDecay,
      gradSign: o.maximize ? -1 : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.adamax_step(ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_inf, n, c.clr, 1 - c.beta1, c.beta2, c.eps, c.weightDecay, c.gradSign);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_inf: u } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      u[i] = Math.max(c.beta2 * u[i], Math.abs(g) + c.eps);
      param[i] -= c.clr * (m[i] / u[i]);
    }
  },
};

/** Adamax (torch.optim.Adamax): Adam with an infinity-norm second moment. */
export class Adamax extends Optimizer<AdamaxOptions, AdamaxCoefficients> {
  constructor(params: ParamsInput<AdamaxOptions>, options: OptimizerOptions<AdamaxOptions> = {}) {
    super(adamaxSpec, params, options);
  }
}
