/**
 * NAdam (Dozat 2016, "Incorporating Nesterov Momentum into Adam") with torch.optim.NAdam's
 * conventions (torch >= 2.0), plus the overview post's constant-β1 form as `schedule: 'constant'`.
 *
 *   g_t = ±∇f(θ_{t-1})                                    (− when maximize)
 *   coupled (default):         g_t ← g_t + λ θ_{t-1}      (λ = weightDecay)
 *   decoupledWeightDecay:      θ_{t-1} ← θ_{t-1} (1 − γ λ)   (NAdamW, before the update)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t                       (exp_avg)
 *   v_t = β2 v_{t-1} + (1 − β2) g_t²                      (exp_avg_sq)
 *   d_t = sqrt(v_t) / sqrt(1 − β2^t) + ε
 *   θ_t = θ_{t-1} − (a_t g_t + b_t m_t) / d_t
 *
 * schedule 'dozat' (default; torch's): the momentum schedule μ_t = β1 (1 − ½ · 0.96^(t ψ)),
 * ψ = momentumDecay, with the running product Π_t = μ_1 ⋯ μ_t kept as the group scalar
 * `mu_product` (exposed per tensor in the state dict, as torch does), and
 *   a_t = γ (1 − μ_t) / (1 − Π_t),   b_t = γ μ_{t+1} / (1 − Π_t μ_{t+1}).
 *
 * schedule 'constant' (the overview post's Nadam, Ruder 2016, with a constant β1):
 *   θ_t = θ_{t-1} − γ / (sqrt(v̂_t) + ε) · (β1 m̂_t + (1 − β1) g_t / (1 − β1^t)),
 *   m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t),
 * i.e. a_t = γ (1 − β1) / (1 − β1^t) and b_t = γ β1 / (1 − β1^t); momentumDecay is ignored and
 * `mu_product` tracks β1^t. This is not the Dozat form with μ ≡ β1 (which would correct the m
 * term by 1 − β1^(t+1)) nor torch with momentumDecay = 0 (which gives μ ≡ β1/2). ε sits outside
 * the square root, as the post writes it. Weight decay and maximize apply as in 'dozat'.
 *
 * Notes: torch 1.13's single-tensor path corrected the m term by 1 − Π_t μ_t μ_{t+1} (an extra
 * μ_t; its foreach path and torch >= 2.0 use 1 − Π_t μ_{t+1}): this follows 2.x. maximize and
 * decoupledWeightDecay are torch >= 2.x options (1.13 has neither). torch keeps `mu_product` in
 * float32, here it is float64 (~1e-7 relative difference).
 * State slots: `exp_avg`, `exp_avg_sq`; group scalar `mu_product` (starts at 1).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBetas, checkBoolean, checkEps, checkLr, checkNonNegative, checkWeightDecay } from '../validate';

export type NAdamSchedule = 'dozat' | 'constant';

export interface NAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
  decoupledWeightDecay: boolean;
  schedule: NAdamSchedule;
  maximize: boolean;
}

interface NAdamCoefficients {
  /** a_t: the factor on g_t / d_t. */
  readonly gradStep: number;
  /** b_t: the factor on m_t / d_t. */
  readonly momStep: number;
  readonly beta1: number;
  readonly beta2: number;
  /** 1 / sqrt(1 − β2^t). */
  readonly invBc2Sqrt: number;
  readonly eps: number;
  /** Coupled decay added to the gradient; 0 when decoupled. */
  readonly weightDecay: number;
  /** 1 − γλ when decoupled, else 1. */
  readonly paramScale: number;
  readonly gradSign: number;
}

const SCHEDULES: readonly string[] = ['dozat', 'constant'];

export const nadamSpec: RuleSpec<NAdamOptions, NAdamCoefficients> = {
  name: 'nadam',
  defaults: {
    lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3,
    decoupledWeightDecay: false, schedule: 'dozat', maximize: false,
  },
  validate(o) {
    checkLr(o.lr);
    checkEps(o.eps);
    checkBetas(o.betas);
    checkWeightDecay(o.weightDecay);
    checkNonNegative('momentum_decay', o.momentumDecay);
    checkBoolean('decoupledWeightDecay', o.decoupledWeightDecay);
    checkBoolean('maximize', o.maximize);
    if (!SCHEDULES.includes(o.schedule)) {
      throw new InvalidOptionError(`Invalid schedule: ${String(o.schedule)} (expected 'dozat' or 'constant')`);
    }
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }],
  initialScalars: () => ({ mu_product: 1 }),
  coefficients(o, s) {
    const [beta1, beta2] = o.betas;
    const t = s.step;
    let gradStep: number;
    let momStep: number;
    if (o.schedule === 'constant') {
      s.mu_product *= beta1;
      const bc1 = 1 - beta1 ** t;
      gradStep = (o.lr * (1 - beta1)) / bc1;
      momStep = (o.lr * beta1) / bc1;
    } else {
      const mu = beta1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
      s.mu_product *= mu;
      gradStep = (o.lr * (1 - mu)) / (1 - s.mu_product);
      momStep = (o.lr * muNext) / (1 - s.mu_product * muNext);
    }
    const decoupled = o.decoupledWeightDecay;
    return {
      gradStep,
      momStep,
      beta1,
      beta2,
      invBc2Sqrt: 1 / Math.sqrt(1 - beta2 ** t),
      eps: o.eps,
      weightDecay: decoupled ? 0 : o.weightDecay,
      paramScale: decoupled ? 1 - o.lr * o.weightDecay : 1,
      gradSign: o.maximize ? -1 : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.nadam_step(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
      c.gradStep, c.momStep, 1 - c.beta1, c.beta2, 1 - c.beta2, c.invBc2Sqrt, c.eps,
      c.weightDecay, c.paramScale, c.gradSign,
    );
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { exp_avg: m, exp_avg_sq: v } = slots;
    for (let i = 0; i < param.length; i++) {
      const p = c.paramScale * param[i];
      const g = c.gradSign * grad[i] + c.weightDecay * p;
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      const d = Math.sqrt(v[i]) * c.invBc2Sqrt + c.eps;
      param[i] = p - (c.gradStep * g + c.momStep * m[i]) / d;
    }
  },
};

/** NAdam (torch.optim.NAdam): Adam with Nesterov momentum; optional decoupled weight decay (NAdamW). */
export class NAdam extends Optimizer<NAdamOptions, NAdamCoefficients> {
  constructor(params: ParamsInput<NAdamOptions>, options: OptimizerOptions<NAdamOptions> = {}) {
    super(nadamSpec, params, options);
  }
}
