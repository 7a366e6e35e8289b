/**
 * QHAdamW: QHAdam with decoupled weight decay (Loshchilov & Hutter 2019), as qhoptim's `QHAdamW`
 * (QHAdam with decouple_weight_decay=True).
 *
 *   θ'  = θ_{t-1} (1 − α λ)                              (current lr, before the update)
 *   g_t = ∇f(θ_{t-1});  w1_t, w2_t, m_t, v_t as in QHAdam
 *   θ_t = θ' − α [(1 − ν1) g_t + ν1 m_t] / (sqrt((1 − ν2) g_t² + ν2 v_t) + ε)
 *
 * Default weightDecay: 1e-2, as this library's AdamW (and torch's). qhoptim's QHAdamW inherits
 * QHAdam's 0, which would make it identical to QHAdam; pass `weightDecay: 0` to get that.
 * Everything else (defaults, bias correction by weighted counts, slots, scalars) is QHAdam's.
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { qhadamPrecisions } from '../lowp/rules';
import type { RuleSpec } from './spec';
import {
  qhadamCoefficients, qhadamInitialScalars, qhadamReferenceStep, qhadamSlots, qhadamWasmStep, validateQHAdamOptions,
  type QHAdamCoefficients, type QHAdamOptions,
} from './qhadam';

export type QHAdamWOptions = QHAdamOptions;

export const qhadamwSpec: RuleSpec<QHAdamWOptions, QHAdamCoefficients> = {
  name: 'qhadamw',
  defaults: { lr: 1e-3, betas: [0.9, 0.999], nus: [1, 1], eps: 1e-8, weightDecay: 1e-2 },
  validate: validateQHAdamOptions,
  slots: qhadamSlots,
  initialScalars: qhadamInitialScalars,
  coefficients: (o, s) => qhadamCoefficients(o, s, true),
  wasmStep: qhadamWasmStep,
  referenceStep: qhadamReferenceStep,
  precisions: qhadamPrecisions,
};

/** QHAdamW (qhoptim.pyt.QHAdamW): QHAdam with decoupled weight decay. */
export class QHAdamW extends Optimizer<QHAdamWOptions, QHAdamCoefficients> {
  constructor(params: ParamsInput<QHAdamWOptions>, options: OptimizerOptions<QHAdamWOptions> = {}) {
    super(qhadamwSpec, params, options);
  }
}
