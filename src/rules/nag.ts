/**
 * Nesterov accelerated gradient (Nesterov 1983; Sutskever et al. 2013) in the overview post's form
 * (Ruder, "An overview of gradient descent optimization algorithms"), lr inside the velocity:
 *
 *   v_t = γ v_{t-1} + η ∇J(θ_{t-1} − γ v_{t-1})           (v_0 = 0; γ = momentum, η = lr)
 *   θ_t = θ_{t-1} − v_t
 *
 * The gradient is taken at the look-ahead point θ − γv, but an optimizer API receives the gradient
 * at the parameters it holds. So this rule stores the look-ahead point itself, φ = θ − γv, as the
 * parameters (the standard reparametrization of Sutskever et al. 2013 / Bengio et al. 2013): the
 * gradient you compute at the current parameters *is* the overview's look-ahead gradient. The update
 * it runs is
 *
 *   g_t = ±∇J(φ_{t-1}) + λ φ_{t-1}                       (− when maximize; λ = weightDecay, coupled)
 *   v_t = γ v_{t-1} + η g_t
 *   φ_t = φ_{t-1} − (γ v_t + η g_t)
 *
 * Exact equivalence (for every t, with φ_0 = θ_0 since v_0 = 0). Suppose φ_{t-1} = θ_{t-1} − γ v_{t-1}
 * and both runs hold the same v_{t-1}. The overview evaluates ∇J at θ_{t-1} − γ v_{t-1} = φ_{t-1},
 * the same g_t, so both compute the same v_t. Then
 *   θ_t − γ v_t = θ_{t-1} − v_t − γ v_t = (φ_{t-1} + γ v_{t-1}) − v_t − γ v_t
 *              = φ_{t-1} − γ v_t − (v_t − γ v_{t-1}) = φ_{t-1} − γ v_t − η g_t = φ_t.   ∎
 * The proof holds with a different η on every step (an lr schedule), but needs γ constant: φ is
 * defined with the γ of the next look-ahead. Weight decay is the gradient of λ/2 ‖·‖² at the same
 * look-ahead point, so the equivalence covers it. The overview's iterate is recovered as
 * θ_t = φ_t + γ v_t: `lookaheadOrigin(name)` returns it. Both sequences converge to the same point.
 *
 * Against torch.optim.SGD(nesterov=True) (edgeoptim's `SGD` with `nesterov`), whose parameters are
 * also the look-ahead points: b_t = μ b_{t-1} + g_t (b_1 = g_1), φ_t = φ_{t-1} − η_t (g_t + μ b_t).
 * For a constant lr, v_t = η b_t and the two are identical; when lr changes torch rescales the whole
 * history (η_t μ b_t), while here past gradients keep the lr they were taken with (γ v_t).
 * State slot: `velocity`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import {
  momentumCoefficients, validateMomentumOptions, type MomentumCoefficients, type MomentumOptions,
} from './momentum';

export type NesterovMomentumOptions = MomentumOptions;

export const nagSpec: RuleSpec<NesterovMomentumOptions, MomentumCoefficients> = {
  name: 'nag',
  defaults: { lr: 1e-2, momentum: 0.9, weightDecay: 0, maximize: false },
  validate: validateMomentumOptions,
  slots: () => [{ name: 'velocity' }],
  coefficients: momentumCoefficients,
  wasmStep(k, ptr, n, _o, c) {
    k.nag_step(ptr.param, ptr.grad, ptr.velocity, n, c.lr, c.momentum, c.weightDecay, c.gradSign);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { velocity: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const step = c.lr * (c.gradSign * grad[i] + c.weightDecay * param[i]);
      v[i] = c.momentum * v[i] + step;
      param[i] -= c.momentum * v[i] + step;
    }
  },
};

/**
 * Nesterov momentum with the lr inside the velocity (the overview's NAG). The parameters are the
 * look-ahead points φ = θ − γv: give the gradient at the current parameters.
 */
export class NesterovMomentum extends Optimizer<NesterovMomentumOptions, MomentumCoefficients> {
  constructor(params: ParamsInput<NesterovMomentumOptions>, options: OptimizerOptions<NesterovMomentumOptions> = {}) {
    super(nagSpec, params, options);
  }

  /**
   * The overview's iterate θ = φ + γv for tensor `name` (a new array): the point the stored
   * look-ahead parameters φ were taken from, using the tensor's group momentum γ.
   */
  lookaheadOrigin(name: string): Float32Array {
    const phi = this.param(name);
    const v = this.state(name, 'velocity');
    const gamma = this.paramGroups.find((g) => g.params.includes(name))!.momentum;
    return Float32Array.from(phi, (x, i) => x + gamma * v[i]);
  }
}
