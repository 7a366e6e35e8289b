/**
 * The low-precision kernels of each rule that has them (RuleSpec.precisions): the same scalars as
 * the rule's float32 wasmStep, passed to its *_bf16 / *_q8 kernel. Support table: README "Rules".
 */
import type { LowPrecisionSteps } from '../rules/spec';
import type { AdamCoefficients, AdamOptions } from '../rules/adam';
import type { AdaMomentumCoefficients, AdaMomentumOptions } from '../rules/adamomentum';
import type { QHAdamCoefficients, QHAdamOptions } from '../rules/qhadam';
import type { SGDCoefficients, SGDOptions } from '../rules/sgd';
import type { RMSpropCoefficients, RMSpropOptions } from '../rules/rmsprop';

const abs = (slot: string): string => `${slot}.absmax`;

/** Adam and AdamW (AMSGrad included). */
export const adamPrecisions: LowPrecisionSteps<AdamOptions, AdamCoefficients> = {
  bfloat16(k, ptr, n, o, c, _s, r) {
    k.adam_step_bf16(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, o.amsgrad ? ptr.max_exp_avg_sq : 0, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.epsHat,
      c.weightDecay, c.paramScale, c.gradSign, o.amsgrad ? 1 : 0, r.stochastic ? 1 : 0, r.seed,
    );
  },
  int8(k, ptr, n, o, c, _s, r) {
    k.adam_step_q8(
      ptr.param, ptr.grad, ptr.exp_avg, ptr[abs('exp_avg')], ptr.exp_avg_sq, ptr[abs('exp_avg_sq')],
      o.amsgrad ? ptr.max_exp_avg_sq : 0, o.amsgrad ? ptr[abs('max_exp_avg_sq')] : 0, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.epsHat,
      c.weightDecay, c.paramScale, c.gradSign, o.amsgrad ? 1 : 0,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
  unsignedSlots: ['exp_avg_sq', 'max_exp_avg_sq'],
};

/** AdaMomentum. */
export const adamomentumPrecisions: LowPrecisionSteps<AdaMomentumOptions, AdaMomentumCoefficients> = {
  bfloat16(k, ptr, n, _o, c, _s, r) {
    k.adamomentum_step_bf16(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.weightDecay, c.paramScale, r.stochastic ? 1 : 0, r.seed,
    );
  },
  int8(k, ptr, n, _o, c, _s, r) {
    k.adamomentum_step_q8(
      ptr.param, ptr.grad, ptr.exp_avg, ptr[abs('exp_avg')], ptr.exp_avg_sq, ptr[abs('exp_avg_sq')], n,
      c.stepSize, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.weightDecay, c.paramScale,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
  unsignedSlots: ['exp_avg_sq'],
};

/** QHAdam and QHAdamW. */
export const qhadamPrecisions: LowPrecisionSteps<QHAdamOptions, QHAdamCoefficients> = {
  bfloat16(k, ptr, n, _o, c, _s, r) {
    k.qhadam_step_bf16(
      ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_sq, n,
      c.lr, c.oneMinusBeta1Adj, c.beta2Adj, 1 - c.beta2Adj, c.nu1, 1 - c.nu1, c.nu2, 1 - c.nu2, c.eps, c.weightDecay, c.paramScale,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
  int8(k, ptr, n, _o, c, _s, r) {
    k.qhadam_step_q8(
      ptr.param, ptr.grad, ptr.exp_avg, ptr[abs('exp_avg')], ptr.exp_avg_sq, ptr[abs('exp_avg_sq')], n,
      c.lr, c.oneMinusBeta1Adj, c.beta2Adj, 1 - c.beta2Adj, c.nu1, 1 - c.nu1, c.nu2, 1 - c.nu2, c.eps, c.weightDecay, c.paramScale,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
  unsignedSlots: ['exp_avg_sq'],
};

/** SGD: the momentum buffer (plain SGD has no state, so every precision steps it as float32 does). */
export const sgdPrecisions: LowPrecisionSteps<SGDOptions, SGDCoefficients> = {
  bfloat16(k, ptr, n, o, c, _s, r) {
    if (o.momentum === 0) {
      k.sgd_step(ptr.param, ptr.grad, n, c.lr, c.weightDecay, c.gradSign);
      return;
    }
    k.sgd_momentum_step_bf16(
      ptr.param, ptr.grad, ptr.momentum_buffer, n,
      c.lr, c.weightDecay, c.gradSign, c.momentum, c.bufDecay, c.bufGradScale, o.nesterov ? 1 : 0, r.stochastic ? 1 : 0, r.seed,
    );
  },
  int8(k, ptr, n, o, c, _s, r) {
    if (o.momentum === 0) {
      k.sgd_step(ptr.param, ptr.grad, n, c.lr, c.weightDecay, c.gradSign);
      return;
    }
    k.sgd_momentum_step_q8(
      ptr.param, ptr.grad, ptr.momentum_buffer, ptr[abs('momentum_buffer')], n,
      c.lr, c.weightDecay, c.gradSign, c.momentum, c.bufDecay, c.bufGradScale, o.nesterov ? 1 : 0,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
};

/** RMSprop with or without momentum; centered RMSprop is float32 only. */
export const rmspropPrecisions: LowPrecisionSteps<RMSpropOptions, RMSpropCoefficients> = {
  bfloat16(k, ptr, n, o, c, _s, r) {
    const useMomentum = o.momentum > 0;
    k.rmsprop_step_bf16(
      ptr.param, ptr.grad, ptr.square_avg, useMomentum ? ptr.momentum_buffer : 0, n,
      c.lr, c.alpha, 1 - c.alpha, c.eps, c.weightDecay, c.gradSign, c.momentum, useMomentum ? 1 : 0, r.stochastic ? 1 : 0, r.seed,
    );
  },
  int8(k, ptr, n, o, c, _s, r) {
    const useMomentum = o.momentum > 0;
    k.rmsprop_step_q8(
      ptr.param, ptr.grad, ptr.square_avg, ptr[abs('square_avg')],
      useMomentum ? ptr.momentum_buffer : 0, useMomentum ? ptr[abs('momentum_buffer')] : 0, n,
      c.lr, c.alpha, 1 - c.alpha, c.eps, c.weightDecay, c.gradSign, c.momentum, useMomentum ? 1 : 0,
      r.stochastic ? 1 : 0, r.seed,
    );
  },
  unsignedSlots: ['square_avg'],
  unsupported: (o) =>
    o.centered
      ? 'centered RMSprop is float32 only (square_avg − grad_avg² can turn negative once both are rounded, and its square root NaN)'
      : undefined,
};
