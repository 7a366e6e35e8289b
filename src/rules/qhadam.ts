/**
 * QHAdam (Ma & Yarats 2019, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019),
 * with qhoptim's conventions (`qhoptim.pyt.QHAdam`, decouple_weight_decay=False).
 *
 *   g_t  = ∇f(θ_{t-1}) + λ θ_{t-1}                       (λ = weightDecay, coupled L2)
 *   w1_t = 1 + β1 w1_{t-1},  w2_t = 1 + β2 w2_{t-1}      (weighted step counts, w_0 = 0)
 *   m_t  = (1 − 1/w1_t) m_{t-1} + (1/w1_t) g_t           (already bias-corrected)
 *   v_t  = (1 − 1/w2_t) v_{t-1} + (1/w2_t) g_t²
 *   θ_t  = θ_{t-1} − α [(1 − ν1) g_t + ν1 m_t] / (sqrt((1 − ν2) g_t² + ν2 v_t) + ε)
 *
 * Bias correction: qhoptim keeps the moments corrected by decaying them with β_adj = 1 − 1/w_t.
 * For a constant β, w_t = (1 − β^t)/(1 − β) and m_t equals Adam's m̂_t = m_t^Adam / (1 − β1^t)
 * exactly; when β changes between steps (a schedule, or editing `betas`), w_t accumulates the betas
 * actually used and differs from 1 − β^t with the current β. The weights are group scalars
 * (`beta1_weight`, `beta2_weight`, as in qhoptim's state) and travel in state dicts. Note that the
 * `exp_avg`/`exp_avg_sq` slots therefore hold corrected averages, unlike Adam's.
 * With ν = (1, 1) QHAdam is Adam (torch's eps placement: ε added to sqrt of the corrected v);
 * `QHAdam.fromNadam` gives ν1 = β1, ν2 = 1 (see there). Defaults: qhoptim's (lr 1e-3,
 * betas (0.9, 0.999), nus (1, 1), eps 1e-8, weightDecay 0). Differences from qhoptim: nus must lie
 * in [0, 1] (ν2 > 1 can take the square root of a negative number), and eps must be > 0 (with
 * eps = 0 an element whose gradients have all been zero, alignment padding included, would divide
 * 0 by 0). State slots: `exp_avg`, `exp_avg_sq`.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { qhadamPrecisions } from '../lowp/rules';
import { InvalidOptionError } from '../errors';
import type { GroupVectors, RuleSpec, Scalars, SlotPointers } from './spec';
import type { KernelExports } from '../wasm/kernels';
import { checkBetas, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface QHAdamOptions {
  lr: number;
  betas: [number, number];
  /** Immediate discount factors (ν1, ν2) for the gradient and its square; each in [0, 1]. */
  nus: [number, number];
  eps: number;
  weightDecay: number;
}

/** Per-step scalars shared by QHAdam and QHAdamW. */
export interface QHAdamCoefficients {
  readonly lr: number;
  /** 1/w1_t: the weight of g_t in the corrected first moment. */
  readonly oneMinusBeta1Adj: number;
  /** 1 − 1/w2_t. */
  readonly beta2Adj: number;
  readonly nu1: number;
  readonly nu2: number;
  readonly eps: number;
  /** Coupled decay added to the gradient (QHAdam); 0 for QHAdamW. */
  readonly weightDecay: number;
  /** 1 − αλ for QHAdamW, 1 for QHAdam. */
  readonly paramScale: number;
}

function checkNus(nus: unknown): void {
  if (!Array.isArray(nus) || nus.length !== 2) {
    throw new InvalidOptionError(`Invalid nus: expected a pair [nu1, nu2], got ${String(nus)}`);
  }
  nus.forEach((nu, i) => {
    if (typeof nu !== 'number' || !(nu >= 0 && nu <= 1)) {
      throw new InvalidOptionError(`Invalid nu parameter at index ${i}: ${String(nu)} (expected 0 <= nu <= 1)`);
    }
  });
}

export function validateQHAdamOptions(o: QHAdamOptions): void {
  checkLr(o.lr);
  checkBetas(o.betas);
  checkNus(o.nus);
  checkEps(o.eps, true);
  checkWeightDecay(o.weightDecay);
}

export const qhadamSlots = () => [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }];

export const qhadamInitialScalars = () => ({ beta1_weight: 0, beta2_weight: 0 });

/** Advances the weighted counts in `s` (the step's working copy) and returns the step's scalars. */
export function qhadamCoefficients(o: QHAdamOptions, s: Scalars, decoupled: boolean): QHAdamCoefficients {
  const [beta1, beta2] = o.betas;
  s.beta1_weight = 1 + beta1 * s.beta1_weight;
  s.beta2_weight = 1 + beta2 * s.beta2_weight;
  return {
    lr: o.lr,
    oneMinusBeta1Adj: 1 / s.beta1_weight,
    beta2Adj: 1 - 1 / s.beta2_weight,
    nu1: o.nus[0],
    nu2: o.nus[1],
    eps: o.eps,
    weightDecay: decoupled ? 0 : o.weightDecay,
    paramScale: decoupled ? 1 - o.lr * o.weightDecay : 1,
  };
}

export function qhadamWasmStep(k: KernelExports, ptr: SlotPointers, n: number, _o: QHAdamOptions, c: QHAdamCoefficients): void {
  k.qhadam_step(
    ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
    c.lr, c.oneMinusBeta1Adj, c.beta2Adj, 1 - c.beta2Adj, c.nu1, 1 - c.nu1, c.nu2, 1 - c.nu2, c.eps, c.weightDecay, c.paramScale,
  );
}

export function qhadamReferenceStep({ param, grad, slots }: GroupVectors<Float64Array>, _o: QHAdamOptions, c: QHAdamCoefficients): void {
  const { exp_avg: m, exp_avg_sq: v } = slots;
  const beta1Adj = 1 - c.oneMinusBeta1Adj;
  for (let i = 0; i < param.length; i++) {
    const p = c.paramScale * param[i];
    const g = grad[i] + c.weightDecay * p;
    m[i] = beta1Adj * m[i] + c.oneMinusBeta1Adj * g;
    v[i] = c.beta2Adj * v[i] + (1 - c.beta2Adj) * g * g;
    const num = c.nu1 * m[i] + (1 - c.nu1) * g;
    const den = Math.sqrt(c.nu2 * v[i] + (1 - c.nu2) * g * g) + c.eps;
    param[i] = p - c.lr * (num / den);
  }
}

export const qhadamSpec: RuleSpec<QHAdamOptions, QHAdamCoefficients> = {
  name: 'qhadam',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], nus: [1, 1], eps: 1e-8, weightDecay: 0 },
  validate: validateQHAdamOptions,
  slots: qhadamSlots,
  initialScalars: qhadamInitialScalars,
  coefficients: (o, s) => qhadamCoefficients(o, s, false),
  wasmStep: qhadamWasmStep,
  referenceStep: qhadamReferenceStep,
  precisions: qhadamPrecisions,
};

/** The QHAdam hyperparameters `fromNadam` produces. */
export interface QHAdamParams {
  lr: number;
  betas: [number, number];
  nus: [number, number];
}

/**
 * QHAdam hyperparameters recovering NAdam (Dozat 2016) with a constant β1: ν1 = β1, ν2 = 1.
 * QHAdam's numerator is then (1 − β1) g_t + β1 m_t/(1 − β1^t); NAdam's is
 * (1 − β1) g_t/(1 − β1^t) + β1 m_t/(1 − β1^{t+1}). The two differ only in how the first moment is
 * bias-corrected, by relative terms of order β1^t: large in the first steps (at t = 1 with β1 = 0.9
 * NAdam's numerator is 1.47 g, QHAdam's is g), negligible after a few hundred (qhoptim: "not an
 * identical recovery ... almost certainly irrelevant").
 */
export function qhadamFromNadam(nadam: { lr?: number; betas?: [number, number] } = {}): QHAdamParams {
  const lr = nadam.lr ?? 1e-3;
  const [beta1, beta2] = nadam.betas ?? [0.9, 0.999];
  checkLr(lr);
  checkBetas([beta1, beta2]);
  return { lr, betas: [beta1, beta2], nus: [beta1, 1] };
}

/** QHAdam (qhoptim.pyt.QHAdam): Adam with quasi-hyperbolic moment estimates, coupled L2 weight decay. */
export class QHAdam extends Optimizer<QHAdamOptions, QHAdamCoefficients> {
  constructor(params: ParamsInput<QHAdamOptions>, options: OptimizerOptions<QHAdamOptions> = {}) {
    super(qhadamSpec, params, options);
  }

  /** `{ lr, betas, nus }` recovering NAdam with a constant β1 (approximately: see `qhadamFromNadam`). */
  static fromNadam(nadam: { lr?: number; betas?: [number, number] } = {}): QHAdamParams {
    return qhadamFromNadam(nadam);
  }
}
