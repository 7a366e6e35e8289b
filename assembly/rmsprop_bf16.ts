// RMSprop (not centered) with bfloat16 state (square_avg, momentum_buffer): rmsprop.ts's update in
// float32 on the widened state, the new state narrowed back (lowp_common.ts); the parameter update
// uses this step's float32 values. Unfused operations in rmsprop.ts's order. Centered RMSprop stays
// float32 (src/lowp/rules.ts says why). Stochastic rounding: square_avg takes the high 16 random
// bits, momentum_buffer the low 16.
import { at } from './common';
import {
  at16, bf16Load, bf16Load4, bf16Nearest, bf16Stochastic, bf16Store4, bf16StoreNearest, bf16StoreStochastic,
  hash32, hash32x4,
} from './lowp_common';

@inline function rmspropBf16Loop(
  param: usize, grad: usize, squareAvg: usize, momentumBuffer: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, gradSign: f32, momentum: f32,
  useMomentum: bool, stochastic: bool, seed: u32,
): void {
  const vLr = f32x4.splat(lr);
  const vAlpha = f32x4.splat(alpha);
  const vOma = f32x4.splat(oneMinusAlpha);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const vMom = f32x4.splat(momentum);
  const vSeed = i32x4.splat(seed);
  let index = i32x4(0, 1, 2, 3);
  const end = n & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const h = at16(i);
    let r = i32x4.splat(0);
    if (stochastic) {
      r = hash32x4(index, vSeed);
      index = i32x4.add(index, i32x4.splat(4));
    }
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const v = f32x4.add(f32x4.mul(vAlpha, bf16Load4(squareAvg + h)), f32x4.mul(f32x4.mul(vOma, g), g));
    bf16Store4(squareAvg + h, stochastic ? bf16Stochastic(v, i32x4.shr_u(r, 16)) : bf16Nearest(v));
    const avg = f32x4.add(f32x4.sqrt(v), vEps);
    if (useMomentum) {
      const b = f32x4.add(f32x4.mul(vMom, bf16Load4(momentumBuffer + h)), f32x4.div(g, avg));
      bf16Store4(momentumBuffer + h, stochastic ? bf16Stochastic(b, r) : bf16Nearest(b));
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, b)));
    } else {
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, f32x4.div(g, avg))));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    const h = at16(i);
    const r: u32 = stochastic ? hash32(<u32>i, seed) : 0;
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const v = alpha * bf16Load(squareAvg + h) + oneMinusAlpha * g * g;
    if (stochastic) bf16StoreStochastic(squareAvg + h, v, r >>> 16);
    else bf16StoreNearest(squareAvg + h, v);
    const avg = Mathf.sqrt(v) + eps;
    if (useMomentum) {
      const b = momentum * bf16Load(momentumBuffer + h) + g / avg;
      if (stochastic) bf16StoreStochastic(momentumBuffer + h, b, r);
      else bf16StoreNearest(momentumBuffer + h, b);
      store<f32>(param + o, p - lr * b);
    } else {
      store<f32>(param + o, p - lr * (g / avg));
    }
  }
}

/** rmsprop_step's arguments (without grad_avg and centered) with bfloat16 state, then the rounding (see adam_bf16.ts). */
export function rmsprop_step_bf16(
  param: usize, grad: usize, squareAvg: usize, momentumBuffer: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, gradSign: f32, momentum: f32,
  useMomentum: bool, stochastic: bool, seed: u32,
): void {
  if (useMomentum) {
    if (stochastic) rmspropBf16Loop(param, grad, squareAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, true, true, seed);
    else rmspropBf16Loop(param, grad, squareAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, true, false, seed);
  } else if (stochastic) {
    rmspropBf16Loop(param, grad, squareAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, false, true, seed);
  } else {
    rmspropBf16Loop(param, grad, squareAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, false, false, seed);
  }
}
