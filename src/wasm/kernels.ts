// Typed view of the kernel module's exports (assembly/index.ts). Pointers are byte offsets
// into the arena memory; `n` is an element count; scalars arrive as f32.
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  sgd_step(param: number, grad: number, n: number, lr: number, weightDecay: number, gradSign: number): void;
  sgd_momentum_step(
    param: number, grad: number, buf: number, n: number,
    lr: number, weightDecay: number, gradSign: number,
    momentum: number, bufDecay: number, bufGradScale: number, nesterov: number,
  ): void;
  adam_step(
    param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, n: number,
    stepSize: number, invBc2Sqrt: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number,
    weightDecay: number, paramScale: number, gradSign: number, amsgrad: number,
  ): void;
  adagrad_step(param: number, grad: number, sum: number, n: number, clr: number, weightDecay: number, eps: number, gradSign: number): void;
  adadelta_step(
    param: number, grad: number, squareAvg: number, accDelta: number, n: number,
    lr: number, rho: number, oneMinusRho: number, eps: number, weightDecay: number, gradSign: number,
  ): void;
}
