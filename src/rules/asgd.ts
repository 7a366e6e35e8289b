/**
 * ASGD, averaged stochastic gradient descent (Polyak & Juditsky 1992) — torch.optim.ASGD,
 * single-tensor path (torch >= 2.0, the same as 1.13's default path).
 *
 *   g_t = ±∇f(θ_{t-1}) + λw θ_{t-1}                      (− when maximize; λw = weightDecay, coupled)
 *   θ_t = θ_{t-1} (1 − λ η_{t-1}) − η_{t-1} g_t           (λ = lambd)
 *   ax_t = θ_t                          if μ_{t-1} = 1
 *   ax_t = ax_{t-1} + μ_{t-1} (θ_t − ax_{t-1})           otherwise
 *   η_t = γ / (1 + λ γ t)^α,   μ_t = 1 / max(1, t − t0)  (updated *after* the step; γ = lr)
 *   η_0 = γ,  μ_0 = 1
 *
 * Convention: torch's. Step t uses the η and μ computed at the end of step t − 1 (step 1 uses
 * η_0 = lr and μ_0 = 1), then refreshes them with the group's current lr; so an lr change takes
 * effect one step late, as in torch (η_0 is the lr at the first step: torch creates it lazily).
 * The formula is torch's single-tensor one (its CPU default), η_t = γ / (1 + λγt)^α; torch's
 * foreach path has at times computed γ / (1 + λγ t^α) instead (see pytorch PR #125440), which we
 * do not follow. `ax` is the running (Polyak) average of the iterates; it does not feed back into
 * θ (read it with `state(name, 'ax')`). `eta` and `mu` are group scalars (a group's tensors share
 * its step), shown per tensor in state dicts as torch does; they are kept in float64 (torch's are
 * 0-dim tensors of the default dtype) and reach the kernel as f32. With the default t0 = 1e6
 * averaging starts only after a million steps (until then ax = θ). State slot: `ax`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBoolean, checkLr, checkNonNegative, checkWeightDecay } from '../validate';

export interface ASGDOptions {
  lr: number;
  /** λ: decay term (shrinks θ by 1 − λη and sets how fast η decays). */
  lambd: number;
  /** α: power of the η schedule. */
  alpha: number;
  /** The step after which averaging starts (μ < 1). */
  t0: number;
  weightDecay: number;
  maximize: boolean;
}

interface ASGDCoefficients {
  /** η_{t-1}. */
  readonly eta: number;
  /** 1 − λ η_{t-1}. */
  readonly decay: number;
  readonly weightDecay: number;
  readonly gradSign: number;
  /** μ_{t-1}. */
  readonly mu: number;
  /** μ_{t-1} = 1: ax is a copy of θ (torch copies rather than blending). */
  readonly copyAverage: boolean;
}

export const asgdSpec: RuleSpec<ASGDOptions, ASGDCoefficients> = {
  name: 'asgd',
  defaults: { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkNonNegative('lambd', o.lambd);
    checkNonNegative('alpha', o.alpha);
    if (typeof o.t0 !== 'number' || !(o.t0 >= 0)) throw new InvalidOptionError(`Invalid t0 value: ${String(o.t0)}`);
    checkWeightDecay(o.weightDecay);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'ax' }],
  initialScalars: (o) => ({ eta: o.lr, mu: 1 }),
  coefficients(o, s) {
    // torch creates eta = lr and mu = 1 lazily, on the first step.
    const first = s.step === 1;
    const eta = first ? o.lr : s.eta;
    const mu = first ? 1 : s.mu;
    s.eta = o.lr / (1 + o.lambd * o.lr * s.step) ** o.alpha;
    s.mu = 1 / Math.max(1, s.step - o.t0);
    return {
      eta,
      decay: 1 - o.lambd * eta,
      weightDecay: o.weightDecay,
      gradSign: o.maximize ? -1 : 1,
      mu,
      copyAverage: mu === 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.asgd_step(ptr.param, ptr.grad, ptr.ax, n, c.eta, c.decay, c.weightDecay, c.gradSign, c.mu, c.copyAverage ? 1 : 0);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { ax } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i] + c.weightDecay * param[i];
      param[i] = param[i] * c.decay - c.eta * g;
      ax[i] = c.copyAverage ? param[i] : ax[i] + c.mu * (param[i] - ax[i]);
    }
  },
};

/** ASGD (torch.optim.ASGD): SGD with a decaying step and a running average of the iterates. */
export class ASGD extends Optimizer<ASGDOptions, ASGDCoefficients> {
  constructor(params: ParamsInput<ASGDOptions>, options: OptimizerOptions<ASGDOptions> = {}) {
    super(asgdSpec, params, options);
  }
}
