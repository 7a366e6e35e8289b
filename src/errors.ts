/**
 * Typed errors. Every error edgeoptim throws on bad input is an EdgeOptimError subclass with a
 * message naming the problem; a call that throws has modified nothing.
 */
export class EdgeOptimError extends Error {
  // Spelled out (not new.target.name) so minifiers that rename classes keep readable names.
  override readonly name: string = 'EdgeOptimError';
}

/** A hyperparameter is out of range, of the wrong type, or unknown to the rule. */
export class InvalidOptionError extends EdgeOptimError {
  override readonly name: string = 'InvalidOptionError';
}

/** A tensor declaration or access is wrong: unknown name, bad shape, wrong length or dtype. */
export class TensorError extends EdgeOptimError {
  override readonly name: string = 'TensorError';
}

/** A state dict does not fit this optimizer (other rule, other layout, bad contents). */
export class StateDictError extends EdgeOptimError {
  override readonly name: string = 'StateDictError';
}

/** The WebAssembly kernels were used before `await init()` finished. */
export class NotInitializedError extends EdgeOptimError {
  override readonly name: string = 'NotInitializedError';
}

/** The arena does not fit the limits of WebAssembly memory (or of the device). */
export class ArenaTooLargeError extends EdgeOptimError {
  override readonly name: string = 'ArenaTooLargeError';
}

/** A gradient holds NaN or ±Inf and the optimizer's `nonFinite` policy is 'error'. */
export class NonFiniteGradientError extends EdgeOptimError {
  override readonly name: string = 'NonFiniteGradientError';
}

/** Why a checkpoint could not be read or applied (CheckpointError.reason). */
export type CheckpointErrorReason = 'truncated' | 'corrupted' | 'format' | 'version' | 'rule' | 'mismatch';

/**
 * A checkpoint file cannot be read or does not fit: truncated, corrupted (checksum or structure),
 * not an edgeoptim checkpoint, another format version, another rule, or other tensors/shapes/state.
 */
export class CheckpointError extends EdgeOptimError {
  override readonly name: string = 'CheckpointError';
  constructor(
    message: string,
    readonly reason: CheckpointErrorReason,
  ) {
    super(message);
  }
}

/**
 * A worker thread of the multi-thread step failed: its kernel threw, it did not answer within the
 * pool's timeout, or it could not start. The message says whether the step still completed (the
 * main thread takes over a range no worker had started) or left a range unstepped. The pool is
 * closed after it: later steps run on one thread.
 */
export class WorkerPoolError extends EdgeOptimError {
  override readonly name: string = 'WorkerPoolError';
}

/** A worker did not finish its part of a step within the pool's `timeoutMs`. */
export class WorkerTimeoutError extends WorkerPoolError {
  override readonly name: string = 'WorkerTimeoutError';
}
