// SGD with a bfloat16 momentum buffer: sgd.ts's sgd_momentum_step in float32 on the widened buffer,
// the new buffer narrowed back (lowp_common.ts); the parameter update uses this step's float32
// buffer. Unfused operations in sgd.ts's order (its strict build).
import { at } from './common';
import {
  at16, bf16Load, bf16Load4, bf16Nearest, bf16Stochastic, bf16Store4, bf16StoreNearest, bf16StoreStochastic,
  hash32, hash32x4,
} from './lowp_common';

@inline function sgdBf16Loop(
  param: usize, grad: usize, buf: usize, n: i32,
  lr: f32, weightDecay: f32, gradSign: f32, momentum: f32, bufDecay: f32, bufGradScale: f32,
  nesterov: bool, stochastic: bool, seed: u32,
): void {
  const vLr = f32x4.splat(lr);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const vMom = f32x4.splat(momentum);
  const vDecay = f32x4.splat(bufDecay);
  const vScale = f32x4.splat(bufGradScale);
  const vSeed = i32x4.splat(seed);
  let index = i32x4(0, 1, 2, 3);
  const end = n & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const h = at16(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vWd, p), f32x4.mul(vSign, v128.load(grad + o)));
    const b = f32x4.add(f32x4.mul(vScale, g), f32x4.mul(vDecay, bf16Load4(buf + h)));
    if (stochastic) {
      bf16Store4(buf + h, bf16Stochastic(b, hash32x4(index, vSeed)));
      index = i32x4.add(index, i32x4.splat(4));
    } else {
      bf16Store4(buf + h, bf16Nearest(b));
    }
    const d = nesterov ? f32x4.add(f32x4.mul(vMom, b), g) : b;
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, d)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const h = at16(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const b = bufDecay * bf16Load(buf + h) + bufGradScale * g;
    if (stochastic) bf16StoreStochastic(buf + h, b, hash32(<u32>i, seed));
    else bf16StoreNearest(buf + h, b);
    store<f32>(param + o, p - lr * (nesterov ? g + momentum * b : b));
  }
}

/** sgd_momentum_step's arguments with a bfloat16 buffer, then the rounding (see adam_bf16.ts). */
export function sgd_momentum_step_bf16(
  param: usize, grad: usize, buf: usize, n: i32,
  lr: f32, weightDecay: f32, gradSign: f32, momentum: f32, bufDecay: f32, bufGradScale: f32, nesterov: bool,
  stochastic: bool, seed: u32,
): void {
  if (nesterov) {
    if (stochastic) sgdBf16Loop(param, grad, buf, n, lr, weightDecay, gradSign, momentum, bufDecay, bufGradScale, true, true, seed);
    else sgdBf16Loop(param, grad, buf, n, lr, weightDecay, gradSign, momentum, bufDecay, bufGradScale, true, false, seed);
  } else if (stochastic) {
    sgdBf16Loop(param, grad, buf, n, lr, weightDecay, gradSign, momentum, bufDecay, bufGradScale, false, true, seed);
  } else {
    sgdBf16Loop(param, grad, buf, n, lr, weightDecay, gradSign, momentum, bufDecay, bufGradScale, false, false, seed);
  }
}
