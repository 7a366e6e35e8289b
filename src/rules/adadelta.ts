/**
 * Adadelta (Zeiler 2012) with torch.optim.Adadelta's conventions (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   v_t = ρ v_{t-1} + (1 − ρ) g_t²                        (square_avg, E[g²])
 *   Δ_t = sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g_t
 *   u_t = ρ u_{t-1} + (1 − ρ) Δ_t²                        (acc_delta, E[Δθ²])
 *   θ_t = θ_{t-1} − γ Δ_t                                 (γ = lr)
 *
 * Convention: torch's, which multiplies the update by an lr (default 1.0); with γ = 1 this is
 * exactly the rule of the paper and the overview post (ε inside both square roots).
 * State slots: `square_avg`, `acc_delta`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBoolean, checkEps, checkLr, checkRange, checkWeightDecay } from '../validate';

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

interface AdadeltaCoefficients {
  readonly lr: number;
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly gradSign: number;
}

export const adadeltaSpec: RuleSpec<AdadeltaOptions, AdadeltaCoefficients> = {
  name: 'adadelta',
  defaults: { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkRange('rho', o.rho, 0, 1);
    checkEps(o.eps);
    checkWeightDecay(o.weightDecay);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'square_avg' }, { name: 'acc_delta' }],
  coefficients: (o) => ({ lr: o.lr, rho: o.rho, eps: o.eps, weightDecay: o.weightDecay, gradSign: o.maximize ? -1 : 1 }),
  wasmStep(k, ptr, n, _o, c) {
    k.adadelta_step(ptr.param, ptr.grad, ptr.square_avg, ptr.acc_delta, n, c.lr, c.rho, 1 - c.rho, c.eps, c.weightDecay, c.gradSign);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { square_avg: v, acc_delta: u } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      v[i] = c.rho * v[i] + (1 - c.rho) * g * g;
      const delta = (Math.sqrt(u[i] + c.eps) / Math.sqrt(v[i] + c.eps)) * g;
      u[i] = c.rho * u[i] + (1 - c.rho) * delta * delta;
      param[i] -= c.lr * delta;
    }
  },
};

/** Adadelta (torch.optim.Adadelta): steps scaled by RMS[Δθ]_{t-1} / RMS[g]_t. */
export class Adadelta extends Optimizer<AdadeltaOptions, AdadeltaCoefficients> {
  constructor(params: ParamsInput<AdadeltaOptions>, options: OptimizerOptions<AdadeltaOptions> = {}) {
    super(adadeltaSpec, params, options);
  }
}
