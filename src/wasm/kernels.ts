// Typed view of the kernel module's exports (assembly/index.ts). Pointers are byte offsets
// into the arena memory; `n` is an element count; scalars arrive as f32.
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  /** 1 when all n floats at ptr are finite, else 0. */
  all_finite(ptr: number, n: number): number;
  /** Σ x² over n floats at ptr, accumulated in f64 (assembly/clip.ts). */
  slot_sum_squares(ptr: number, n: number): number;
  /** max |x| over n floats at ptr (NaN if any is NaN). */
  slot_max_abs(ptr: number, n: number): number;
  slot_scale(ptr: number, n: number, factor: number): void;
  slot_clamp(ptr: number, n: number, lo: number, hi: number): void;
  sgd_step(param: number, grad: number, n: number, lr: number, weightDecay: number, gradSign: number): void;
  sgd_momentum_step(
    param: number, grad: number, buf: number, n: number,
    lr: number, weightDecay: number, gradSign: number,
    momentum: number, bufDecay: number, bufGradScale: number, nesterov: number,
  ): void;
  adam_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsHat: number,
    weightDecay: number, paramScale: number, gradSign: number, amsgrad: number,
  ): void;
  qhm_step(
    param: number, grad: number, buf: number, n: number,
    gradCoef: number, bufCoef: number, beta: number, oneMinusBeta: number, weightDecay: number, paramScale: number,
  ): void;
  qhadam_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    lr: number, oneMinusBeta1Adj: number, beta2Adj: number, oneMinusBeta2Adj: number,
    nu1: number, oneMinusNu1: number, nu2: number, oneMinusNu2: number, eps: number, weightDecay: number, paramScale: number,
  ): void;
  adamomentum_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, weightDecay: number, paramScale: number,
  ): void;
  adabelief_step(
    param: number, grad: number, expAvg: number, expAvgVar: number, maxExpAvgVar: number, n: number,
    stepSize: number, denScale: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsState: number, epsDen: number,
    weightDecay: number, paramScale: number, amsgrad: number,
  ): void;
  yogi_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    stepSize: number, denScale: number, oneMinusBeta1: number, oneMinusBeta2: number, eps: number, weightDecay: number,
  ): void;
  adabound_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, weightDecay: number,
    lower: number, upper: number, amsbound: number,
  ): void;
  hvadam_moments(
    param: number, grad: number, expAvg: number, expAvgVar: number, lastV: number, n: number,
    stepSize: number, invBc1: number, invBc2: number, oneMinusBeta1: number, beta1: number, beta2: number,
    oneMinusBeta2: number, gamma: number, eps: number, epsSum: number, weightDecay: number, paramScale: number,
    gradSign: number,
  ): void;
  hvadam_hidden_step(
    param: number, expAvg: number, lastV: number, n: number, invBc1: number, k: number, hiddenStep: number, applyStep: number,
  ): void;
  hvadam_reset_v(expAvg: number, lastV: number, n: number, invBc1: number): void;
  lookahead_sync(param: number, slow: number, n: number, alpha: number): void;
  radam_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number,
    weightDecay: number, paramScale: number, gradSign: number, rectify: number,
  ): void;
  rprop_step(
    param: number, grad: number, prev: number, stepSize: number, n: number,
    lr: number, etaMinus: number, etaPlus: number, stepMin: number, stepMax: number, gradSign: number, first: number,
  ): void;
  asgd_step(
    param: number, grad: number, ax: number, n: number,
    eta: number, decay: number, weightDecay: number, gradSign: number, mu: number, copyAverage: number,
  ): void;
  amsgrad_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    lr: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, weightDecay: number, gradSign: number,
  ): void;
  momentum_step(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, weightDecay: number, gradSign: number): void;
  nag_step(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, weightDecay: number, gradSign: number): void;
  adagrad_step(param: number, grad: number, sum: number, n: number, clr: number, weightDecay: number, eps: number, gradSign: number): void;
  adadelta_step(
    param: number, grad: number, squareAvg: number, accDelta: number, n: number,
    lr: number, rho: number, oneMinusRho: number, eps: number, weightDecay: number, gradSign: number,
  ): void;
  rmsprop_step(
    param: number, grad: number, squareAvg: number, gradAvg: number, momentumBuffer: number, n: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, gradSign: number, momentum: number,
    centered: number, useMomentum: number,
  ): void;
  adamax_step(
    param: number, grad: number, expAvg: number, expInf: number, n: number,
    clr: number, oneMinusBeta1: number, beta2: number, eps: number, weightDecay: number, gradSign: number,
  ): void;
  nadam_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    gradStep: number, momStep: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, invBc2Sqrt: number, eps: number,
    weightDecay: number, paramScale: number, gradSign: number,
  ): void;
  // ---- low-precision state (assembly/lowp_common.ts, *_bf16.ts, *_q8.ts) ----
  // *_bf16: the float32 kernel's arguments over bfloat16 state slots, then `stochastic` (0: round to
  // nearest-even) and the step's `seed`. *_q8: each state pointer followed by its absmax slot's pointer,
  // and the same `stochastic` / `seed` for the 8-bit codes.
  /** Moves this instance's 4 KiB block-decoding scratch (for a worker thread's instance). */
  set_q8_scratch(ptr: number): void;
  adam_step_bf16(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsHat: number,
    weightDecay: number, paramScale: number, gradSign: number, amsgrad: number, stochastic: number, seed: number,
  ): void;
  adam_step_q8(
    param: number, grad: number, expAvg: number, expAvgAbsmax: number, expAvgSq: number, expAvgSqAbsmax: number,
    maxExpAvgSq: number, maxExpAvgSqAbsmax: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsHat: number,
    weightDecay: number, paramScale: number, gradSign: number, amsgrad: number,
    stochastic: number, seed: number,
  ): void;
  adamomentum_step_bf16(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, weightDecay: number, paramScale: number,
    stochastic: number, seed: number,
  ): void;
  adamomentum_step_q8(
    param: number, grad: number, expAvg: number, expAvgAbsmax: number, expAvgSq: number, expAvgSqAbsmax: number, n: number,
    stepSize: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, weightDecay: number, paramScale: number,
    stochastic: number, seed: number,
  ): void;
  qhadam_step_bf16(
    param: number, grad: number, expAvg: number, expAvgSq: number, n: number,
    lr: number, oneMinusBeta1Adj: number, beta2Adj: number, oneMinusBeta2Adj: number,
    nu1: number, oneMinusNu1: number, nu2: number, oneMinusNu2: number, eps: number, weightDecay: number, paramScale: number,
    stochastic: number, seed: number,
  ): void;
  qhadam_step_q8(
    param: number, grad: number, expAvg: number, expAvgAbsmax: number, expAvgSq: number, expAvgSqAbsmax: number, n: number,
    lr: number, oneMinusBeta1Adj: number, beta2Adj: number, oneMinusBeta2Adj: number,
    nu1: number, oneMinusNu1: number, nu2: number, oneMinusNu2: number, eps: number, weightDecay: number, paramScale: number,
    stochastic: number, seed: number,
  ): void;
  sgd_momentum_step_bf16(
    param: number, grad: number, buf: number, n: number,
    lr: number, weightDecay: number, gradSign: number, momentum: number, bufDecay: number, bufGradScale: number, nesterov: number,
    stochastic: number, seed: number,
  ): void;
  sgd_momentum_step_q8(
    param: number, grad: number, buf: number, bufAbsmax: number, n: number,
    lr: number, weightDecay: number, gradSign: number, momentum: number, bufDecay: number, bufGradScale: number, nesterov: number,
    stochastic: number, seed: number,
  ): void;
  /** Not centered (centered RMSprop keeps float32 state). */
  rmsprop_step_bf16(
    param: number, grad: number, squareAvg: number, momentumBuffer: number, n: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, gradSign: number, momentum: number,
    useMomentum: number, stochastic: number, seed: number,
  ): void;
  rmsprop_step_q8(
    param: number, grad: number, squareAvg: number, squareAvgAbsmax: number, momentumBuffer: number, momentumBufferAbsmax: number, n: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, gradSign: number, momentum: number,
    useMomentum: number,
    stochastic: number, seed: number,
  ): void;
}
