/**
 * SGD with optional momentum and Nesterov momentum — torch.optim.SGD (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled)
 *   b_1 = g_1,  b_t = μ b_{t-1} + (1 − τ) g_t           (μ = momentum, τ = dampening; only if μ ≠ 0)
 *   d_t = g_t + μ b_t  if nesterov,  else b_t           (d_t = g_t without momentum)
 *   θ_t = θ_{t-1} − γ d_t                               (γ = lr)
 *
 * Convention: torch's, where lr multiplies the whole buffer (the overview's form puts lr inside the
 * velocity; the two agree for a constant lr). The first step copies the gradient into the buffer
 * (no dampening), and Nesterov is the reformulated NAG evaluated at the current parameters
 * (Sutskever et al. 2013), not a look-ahead gradient. State slot: `momentum_buffer` (when μ ≠ 0).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { sgdPrecisions } from '../lowp/rules';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBoolean, checkLr, checkMomentum, checkWeightDecay, checkRange } from '../validate';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDCoefficients {
  readonly lr: number;
  readonly weightDecay: number;
  readonly gradSign: number;
  readonly momentum: number;
  /** μ, or 0 on the first step (the buffer starts as the gradient). */
  readonly bufDecay: number;
  /** 1 − τ, or 1 on the first step. */
  readonly bufGradScale: number;
}

export const sgdSpec: RuleSpec<SGDOptions, SGDCoefficients> = {
  name: 'sgd',
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkMomentum(o.momentum);
    checkRange('dampening', o.dampening, 0, 1);
    checkWeightDecay(o.weightDecay);
    checkBoolean('nesterov', o.nesterov);
    checkBoolean('maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new InvalidOptionError('Nesterov momentum requires a momentum and zero dampening');
    }
  },
  slots: (o) => (o.momentum !== 0 ? [{ name: 'momentum_buffer' }] : []),
  coefficients(o, s) {
    const first = s.step === 1;
    return {
      lr: o.lr,
      weightDecay: o.weightDecay,
      gradSign: o.maximize ? -1 : 1,
      momentum: o.momentum,
      bufDecay: first ? 0 : o.momentum,
      bufGradScale: first ? 1 : 1 - o.dampening,
    };
  },
  wasmStep(k, ptr, n, o, c) {
    if (o.momentum === 0) {
      k.sgd_step(ptr.param, ptr.grad, n, c.lr, c.weightDecay, c.gradSign);
    } else {
      k.sgd_momentum_step(
        ptr.param, ptr.grad, ptr.momentum_buffer, n,
        c.lr, c.weightDecay, c.gradSign, c.momentum, c.bufDecay, c.bufGradScale, o.nesterov ? 1 : 0,
      );
    }
  },
  referenceStep({ param, grad, slots }, o, c) {
    const buf = slots.momentum_buffer;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      let d = g;
      if (o.momentum !== 0) {
        buf[i] = c.bufDecay * buf[i] + c.bufGradScale * g;
        d = o.nesterov ? g + c.momentum * buf[i] : buf[i];
      }
      param[i] -= c.lr * d;
    }
  },
  precisions: sgdPrecisions,
};

/** Stochastic gradient descent, with optional momentum and Nesterov momentum (torch.optim.SGD). */
export class SGD extends Optimizer<SGDOptions, SGDCoefficients> {
  constructor(params: ParamsInput<SGDOptions>, options: OptimizerOptions<SGDOptions> = {}) {
    super(sgdSpec, params, options);
  }
}
