/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with torch.optim.Adam's conventions (torch >= 2.0).
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                       (− when maximize; λ = weightDecay, coupled L2)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t
 *   v_t = β2 v_{t-1} + (1 − β2) g_t²
 *   v̂max_t = max(v̂max_{t-1}, v_t)                       (amsgrad: the max of the *uncorrected* v)
 *   θ_t = θ_{t-1} − (γ / (1 − β1^t)) · m_t / (sqrt(v_t or v̂max_t) / sqrt(1 − β2^t) + ε)
 *
 * Convention: ε is added to the bias-corrected sqrt(v) (Algorithm 1 and torch), not the "ε-hat"
 * form of TF/Keras. AMSGrad follows torch's flag (bias-corrected); Reddi et al.'s uncorrected form
 * is a separate rule. State slots: `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with amsgrad.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { adamPrecisions } from '../lowp/rules';
import type { GroupVectors, RuleSpec, Scalars, SlotPointers } from './spec';
import type { KernelExports } from '../wasm/kernels';
import { checkBetas, checkBoolean, checkEps, checkLr, checkWeightDecay } from '../validate';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** Per-step scalars shared by Adam and AdamW. */
export interface AdamCoefficients {
  /** γ sqrt(1 − β2^t) / (1 − β1^t): the bias corrections folded into one factor. */
  readonly stepSize: number;
  /** ε sqrt(1 − β2^t), so that m / (sqrt(v) + ε̂) · stepSize equals torch's form exactly. */
  readonly epsHat: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Coupled decay added to the gradient (Adam); 0 for AdamW. */
  readonly weightDecay: number;
  /** Factor applied to θ before the update: 1 − γλ for AdamW, 1 for Adam. */
  readonly paramScale: number;
  readonly gradSign: number;
}

export function validateAdamOptions(o: AdamOptions): void {
  checkLr(o.lr);
  checkEps(o.eps);
  checkBetas(o.betas);
  checkWeightDecay(o.weightDecay);
  checkBoolean('amsgrad', o.amsgrad);
  checkBoolean('maximize', o.maximize);
}

export const adamSlots = (o: { amsgrad: boolean }) =>
  o.amsgrad ? [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }, { name: 'max_exp_avg_sq' }] : [{ name: 'exp_avg' }, { name: 'exp_avg_sq' }];

/** Adam's step scalars; `decoupled` selects AdamW's weight decay. */
export function adamCoefficients(o: AdamOptions, s: Scalars, decoupled: boolean): AdamCoefficients {
  const [beta1, beta2] = o.betas;
  const bc2Sqrt = Math.sqrt(1 - beta2 ** s.step);
  return {
    stepSize: (o.lr * bc2Sqrt) / (1 - beta1 ** s.step),
    epsHat: o.eps * bc2Sqrt,
    beta1,
    beta2,
    weightDecay: decoupled ? 0 : o.weightDecay,
    paramScale: decoupled ? 1 - o.lr * o.weightDecay : 1,
    gradSign: o.maximize ? -1 : 1,
  };
}

export function adamWasmStep(k: KernelExports, ptr: SlotPointers, n: number, o: AdamOptions, c: AdamCoefficients): void {
  k.adam_step(
    ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, o.amsgrad ? ptr.max_exp_avg_sq : 0, n,
    c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.epsHat,
    c.weightDecay, c.paramScale, c.gradSign, o.amsgrad ? 1 : 0,
  );
}

export function adamReferenceStep({ param, grad, slots }: GroupVectors<Float64Array>, o: AdamOptions, c: AdamCoefficients): void {
  const { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax } = slots;
  for (let i = 0; i < param.length; i++) {
    const p = c.paramScale * param[i];
    const g = c.gradSign * grad[i] + c.weightDecay * p;
    m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
    v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
    let vv = v[i];
    if (o.amsgrad) vv = vmax[i] = Math.max(vmax[i], v[i]);
    param[i] = p - c.stepSize * (m[i] / (Math.sqrt(vv) + c.epsHat));
  }
}

export const adamSpec: RuleSpec<AdamOptions, AdamCoefficients> = {
  name: 'adam',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
  validate: validateAdamOptions,
  slots: adamSlots,
  coefficients: (o, s) => adamCoefficients(o, s, false),
  wasmStep: adamWasmStep,
  referenceStep: adamReferenceStep,
  precisions: adamPrecisions,
};

/** Adam (torch.optim.Adam): coupled L2 weight decay, optional AMSGrad. */
export class Adam extends Optimizer<AdamOptions, AdamCoefficients> {
  constructor(params: ParamsInput<AdamOptions>, options: OptimizerOptions<AdamOptions> = {}) {
    super(adamSpec, params, options);
  }
}
