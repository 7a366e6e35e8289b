/**
 * AMSGrad in the form of Reddi, Kale & Kumar (2018, "On the Convergence of Adam and Beyond") as
 * the overview post (Ruder, "An overview of gradient descent optimization algorithms") states it:
 * no bias correction at all, and a constant step size.
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t
 *   v_t = β2 v_{t-1} + (1 − β2) g_t²
 *   v̂_t = max(v̂_{t-1}, v_t)                             (v̂_0 = 0)
 *   θ_t = θ_{t-1} − γ m_t / (sqrt(v̂_t) + ε)
 *
 * Convention: the paper's/overview's, which differs from torch's `Adam({ amsgrad: true })`
 * (edgeoptim's `Adam` with `amsgrad: true`). torch bias-corrects both moments around the max:
 *   θ_t = θ_{t-1} − (γ / (1 − β1^t)) · m_t / (sqrt(v̂_t) / sqrt(1 − β2^t) + ε),
 * with the max taken over the *uncorrected* v. From the same state, torch's step is this one times
 * sqrt(1 − β2^t) / (1 − β1^t) (ignoring ε): at t = 1, m_1 = (1 − β1) g and v̂_1 = (1 − β2) g², so
 * this rule moves θ by γ (1 − β1)/sqrt(1 − β2) · sign(g) ≈ 3.16 γ with the default betas and
 * torch's by γ · sign(g); the factor tends to 1 only slowly (≈ 0.80 at t = 1000 for β2 = 0.999).
 * The paper's analysis also uses a decaying α_t = α/sqrt(t) and β1,t; like the
 * overview, this rule keeps them constant (use an lr schedule for α_t). ε is added outside the sqrt
 * as in the overview. State slots: `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq` (torch's names).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AMSGradOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

interface AMSGradCoefficients {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly gradSign: number;
}

export const amsgradSpec: RuleSpec<AMSGradOptions, AMSGradCoefficients> = {
  name: 'amsgrad',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkWeightDecay(o.weightDecay);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }, { name: 'max_exp_avg_sq' }],
  coefficients: (o) => ({
    lr: o.lr,
    beta1: o.betas[0],
    beta2: o.betas[1],
    eps: o.eps,
    weightDecay: o.weightDecay,
    gradSign: o.maximize ? -1 : 1,
  }),
  wasmStep(k, ptr, n, _o, c) {
    k.amsgrad_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, ptr.max_exp_avg_sq, n,
      c.lr, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.weightDecay, c.gradSign,
    );
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      vmax[i] = Math.max(vmax[i], v[i]);
      param[i] -= c.lr * (m[i] / (Math.sqrt(vmax[i]) + c.eps));
    }
  },
};

/** AMSGrad as Reddi et al. and the overview state it: Adam's moments, the max of v, no bias correction. */
export class AMSGrad extends Optimizer<AMSGradOptions, AMSGradCoefficients> {
  constructor(params: ParamsInput<AMSGradOptions>, options: OptimizerOptions<AMSGradOptions> = {}) {
    super(amsgradSpec, params, options);
  }
}
