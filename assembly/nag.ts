// Nesterov momentum, lr inside the velocity (the overview's NAG), on the look-ahead parameters
// phi = theta - momentum * v, so the gradient at the stored parameters is the look-ahead gradient.
//   g = sign * grad + weightDecay * p
//   v = momentum * v + lr * g
//   p = p - (momentum * v + lr * g)
import { at, simdEnd } from './common';

export function nag_step(
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
    const step = f32x4.mul(vLr, f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p)));
    const v = f32x4.add(f32x4.mul(vMom, v128.load(velocity + o)), step);
    v128.store(velocity + o, v);
    v128.store(param + o, f32x4.sub(p, f32x4.add(f32x4.mul(vMom, v), step)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const step = lr * (gradSign * load<f32>(grad + o) + weightDecay * p);
    const v = momentum * load<f32>(velocity + o) + step;
    store<f32>(velocity + o, v);
    store<f32>(param + o, p - (momentum * v + step));
  }
}
