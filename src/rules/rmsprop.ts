/**
 * RMSprop (Hinton, Lecture 6e; centered form from Graves 2013) with torch.optim.RMSprop's
 * conventions (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   v_t = α v_{t-1} + (1 − α) g_t²                        (square_avg)
 *   centered:  ḡ_t = α ḡ_{t-1} + (1 − α) g_t  (grad_avg),  ṽ_t = v_t − ḡ_t²;  otherwise ṽ_t = v_t
 *   d_t = g_t / (sqrt(ṽ_t) + ε)
 *   momentum μ > 0:  b_t = μ b_{t-1} + d_t  (momentum_buffer, b_0 = 0),  θ_t = θ_{t-1} − γ b_t
 *   otherwise:       θ_t = θ_{t-1} − γ d_t                (γ = lr)
 *
 * Convention: torch's. ε is added after the square root (Hinton's notes and the overview post put
 * it inside: sqrt(E[g²] + ε)); the post's γ = 0.9 is α here, with torch's default 0.99. The
 * momentum buffer starts at zero (not at the first step's d_1) and holds the lr-free direction.
 * State slots: `square_avg`, plus `momentum_buffer` when momentum > 0 and `grad_avg` when centered.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { rmspropPrecisions } from '../lowp/rules';
import type { RuleSpec, SlotSpec } from './spec';
import { checkBoolean, checkEps, checkLr, checkMomentum, checkNonNegative, checkWeightDecay } from '../validate';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropCoefficients {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly gradSign: number;
  readonly momentum: number;
}

export const rmspropSpec: RuleSpec<RMSpropOptions, RMSpropCoefficients> = {
  name: 'rmsprop',
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkEps(o.eps);
    checkMomentum(o.momentum);
    checkWeightDecay(o.weightDecay);
    checkNonNegative('alpha', o.alpha);
    checkBoolean('centered', o.centered);
    checkBoolean('maximize', o.maximize);
  },
  slots(o) {
    const slots: SlotSpec[] = [{ name: 'square_avg' }];
    if (o.momentum > 0) slots.push({ name: 'momentum_buffer' });
    if (o.centered) slots.push({ name: 'grad_avg' });
    return slots;
  },
  coefficients: (o) => ({
    lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weightDecay, gradSign: o.maximize ? -1 : 1, momentum: o.momentum,
  }),
  wasmStep(k, ptr, n, o, c) {
    const useMomentum = o.momentum > 0;
    k.rmsprop_step(
      ptr.param, ptr.grad, ptr.square_avg, o.centered ? ptr.grad_avg : 0, useMomentum ? ptr.momentum_buffer : 0, n,
      c.lr, c.alpha, 1 - c.alpha, c.eps, c.weightDecay, c.gradSign, c.momentum, o.centered ? 1 : 0, useMomentum ? 1 : 0,
    );
  },
  referenceStep({ param, grad, slots }, o, c) {
    const { square_avg: v, grad_avg: ga, momentum_buffer: buf } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      v[i] = c.alpha * v[i] + (1 - c.alpha) * g * g;
      let vt = v[i];
      if (o.centered) {
        ga[i] = c.alpha * ga[i] + (1 - c.alpha) * g;
        vt -= ga[i] * ga[i];
      }
      const d = g / (Math.sqrt(vt) + c.eps);
      if (o.momentum > 0) {
        buf[i] = c.momentum * buf[i] + d;
        param[i] -= c.lr * buf[i];
      } else {
        param[i] -= c.lr * d;
      }
    }
  },
  precisions: rmspropPrecisions,
};

/** RMSprop (torch.optim.RMSprop): optional momentum and centering. */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropCoefficients> {
  constructor(params: ParamsInput<RMSpropOptions>, options: OptimizerOptions<RMSpropOptions> = {}) {
    super(rmspropSpec, params, options);
  }
}
