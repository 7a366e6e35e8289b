// Momentum with the lr inside the velocity (the overview's form).
//   g = sign * grad + weightDecay * p
//   v = momentum * v + lr * g
//   p = p - v
import { at, simdEnd } from './common';

export function momentum_step(
  param: usize, grad: usize, velocity: usize, n: i32,
  lr: f32, momentum: f32, weightDecay: f32, gradSign: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vMom = f32x4.splat(momentum);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const v = f32x4.add(f32x4.mul(vMom, v128.load(velocity + o)), f32x4.mul(vLr, g));
    v128.store(velocity + o, v);
    v128.store(param + o, f32x4.sub(p, v));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const v = momentum * load<f32>(velocity + o) + lr * g;
    store<f32>(velocity + o, v);
    store<f32>(param + o, p - v);
  }
}
