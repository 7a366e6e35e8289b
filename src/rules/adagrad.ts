/**
 * Adagrad (Duchi, Hazan & Singer 2011) with torch.optim.Adagrad's conventions (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   γ̃_t = γ / (1 + (t − 1) η)                            (γ = lr, η = lrDecay)
 *   s_t = s_{t-1} + g_t²                                  (s_0 = τ = initialAccumulatorValue)
 *   θ_t = θ_{t-1} − γ̃_t · g_t / (sqrt(s_t) + ε)
 *
 * Convention: torch's. ε sits outside the square root (default 1e-10); the overview post writes
 * sqrt(G_t + ε). The accumulator starts at τ and the lr decays as γ / (1 + (t−1)η). maximize negates
 * the gradient before the weight decay is added. Unlike torch, which takes τ from the constructor
 * defaults only, a group's own initialAccumulatorValue is honoured (at construction; changing it
 * later has no effect, as in torch). State slot: `sum`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBoolean, checkEps, checkLr, checkNonNegative, checkWeightDecay } from '../validate';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

interface AdagradCoefficients {
  /** γ / (1 + (t − 1) η). */
  readonly clr: number;
  readonly weightDecay: number;
  readonly eps: number;
  readonly gradSign: number;
}

export const adagradSpec: RuleSpec<AdagradOptions, AdagradCoefficients> = {
  name: 'adagrad',
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkNonNegative('lr_decay', o.lrDecay);
    checkWeightDecay(o.weightDecay);
    checkNonNegative('initial_accumulator_value', o.initialAccumulatorValue);
    checkEps(o.eps);
    checkBoolean('maximize', o.maximize);
  },
  slots: (o) => [{ name: 'sum', init: o.initialAccumulatorValue }],
  coefficients(o, s) {
    return {
      clr: o.lr / (1 + (s.step - 1) * o.lrDecay),
      weightDecay: o.weightDecay,
      eps: o.eps,
      gradSign: o.maximize ? -1 : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.adagrad_step(ptr.param, ptr.grad, ptr.sum, n, c.clr, c.weightDecay, c.eps, c.gradSign);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const sum = slots.sum;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      sum[i] += g * g;
      param[i] -= c.clr * (g / (Math.sqrt(sum[i]) + c.eps));
    }
  },
};

/** Adagrad (torch.optim.Adagrad): per-element steps scaled by the root of the summed squared gradients. */
export class Adagrad extends Optimizer<AdagradOptions, AdagradCoefficients> {
  constructor(params: ParamsInput<AdagradOptions>, options: OptimizerOptions<AdagradOptions> = {}) {
    super(adagradSpec, params, options);
  }
}
