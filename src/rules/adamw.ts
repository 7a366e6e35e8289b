/**
 * AdamW (Loshchilov & Hutter 2019) — torch.optim.AdamW: Adam with decoupled weight decay.
 *
 *   θ' = θ_{t-1} (1 − γ λ)                               (decay with the current lr, before the update)
 *   g_t = ±∇f(θ_{t-1});  m_t, v_t (and v̂max_t) as in Adam
 *   θ_t = θ' − (γ / (1 − β1^t)) · m_t / (sqrt(v_t or v̂max_t) / sqrt(1 − β2^t) + ε)
 *
 * Convention: torch's (λ scaled by the current γ, default λ = 0.01); the paper's schedule
 * multiplier η_t is the lr schedule here. State slots as Adam.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { adamPrecisions } from '../lowp/rules';
import type { RuleSpec } from './spec';
import {
  adamCoefficients, adamReferenceStep, adamSlots, adamWasmStep, validateAdamOptions,
  type AdamCoefficients, type AdamOptions,
} from './adam';

export type AdamWOptions = AdamOptions;

export const adamwSpec: RuleSpec<AdamWOptions, AdamCoefficients> = {
  name: 'adamw',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false },
  validate: validateAdamOptions,
  slots: adamSlots,
  coefficients: (o, s) => adamCoefficients(o, s, true),
  wasmStep: adamWasmStep,
  referenceStep: adamReferenceStep,
  precisions: adamPrecisions,
};

/** AdamW (torch.optim.AdamW): Adam with decoupled weight decay. */
export class AdamW extends Optimizer<AdamWOptions, AdamCoefficients> {
  constructor(params: ParamsInput<AdamWOptions>, options: OptimizerOptions<AdamWOptions> = {}) {
    super(adamwSpec, params, options);
  }
}
