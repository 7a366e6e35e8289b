/**
 * Momentum (Polyak's heavy ball; Qian 1999) in the overview post's form (Ruder, "An overview of
 * gradient descent optimization algorithms"), where the learning rate sits inside the velocity.
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   v_t = γ v_{t-1} + η g_t                              (γ = momentum, η = lr; v_0 = 0)
 *   θ_t = θ_{t-1} − v_t
 *
 * Convention: the overview's. torch.optim.SGD (edgeoptim's `SGD` with `momentum`) keeps lr outside
 * the buffer: b_t = μ b_{t-1} + g_t (b_1 = g_1), θ_t = θ_{t-1} − η_t b_t. For a constant lr the two
 * are the same algorithm: by induction v_t = η b_t (v_1 = η g_1 = η b_1, and
 * v_t = γ η b_{t-1} + η g_t = η b_t), so θ moves identically and `velocity` = lr × torch's
 * `momentum_buffer`. They differ when lr changes: torch rescales the whole accumulated history by the
 * new lr at once (θ_t = θ_{t-1} − η_t (μ b_{t-1} + g_t)), while here past gradients keep the lr they
 * were taken with and only new gradients get the new lr, so a schedule acts gradually through the
 * velocity (a warm restart or a drop of lr does not instantly rescale the step). There is no
 * dampening option (torch's τ; use QHM for dampened momentum). State slot: `velocity`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBoolean, checkLr, checkMomentum, checkWeightDecay } from '../validate';

export interface MomentumOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
  maximize: boolean;
}

export interface MomentumCoefficients {
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly gradSign: number;
}

export function validateMomentumOptions(o: MomentumOptions): void {
  checkLr(o.lr);
  checkMomentum(o.momentum);
  checkWeightDecay(o.weightDecay);
  checkBoolean('maximize', o.maximize);
}

export const momentumCoefficients = (o: MomentumOptions): MomentumCoefficients => ({
  lr: o.lr,
  momentum: o.momentum,
  weightDecay: o.weightDecay,
  gradSign: o.maximize ? -1 : 1,
});

export const momentumSpec: RuleSpec<MomentumOptions, MomentumCoefficients> = {
  name: 'momentum',
  defaults: { lr: 1e-2, momentum: 0.9, weightDecay: 0, maximize: false },
  validate: validateMomentumOptions,
  slots: () => [{ name: 'velocity' }],
  coefficients: momentumCoefficients,
  wasmStep(k, ptr, n, _o, c) {
    k.momentum_step(ptr.param, ptr.grad, ptr.velocity, n, c.lr, c.momentum, c.weightDecay, c.gradSign);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { velocity: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      v[i] = c.momentum * v[i] + c.lr * g;
      param[i] -= v[i];
    }
  },
};

/** Momentum with the lr inside the velocity (the overview's form): v = γv + ηg; θ −= v. */
export class Momentum extends Optimizer<MomentumOptions, MomentumCoefficients> {
  constructor(params: ParamsInput<MomentumOptions>, options: OptimizerOptions<MomentumOptions> = {}) {
    super(momentumSpec, params, options);
  }
}
