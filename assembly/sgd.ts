// SGD, with optional (heavy-ball or Nesterov) momentum — torch.optim.SGD semantics.
//   g = sign * grad + weightDecay * p
//   buf = bufDecay * buf + bufGradScale * g      (first step: bufDecay = 0, bufGradScale = 1)
//   d = nesterov ? g + momentum * buf : buf
//   p = p - lr * d
import { at, madd, nmadd, simdEnd } from './common';

/** Plain SGD (no momentum buffer). */
export function sgd_step(param: usize, grad: usize, n: i32, lr: f32, weightDecay: f32, gradSign: f32): void {
  const vLr = f32x4.splat(lr);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = madd(vWd, p, f32x4.mul(vSign, v128.load(grad + o)));
    v128.store(param + o, nmadd(vLr, g, p));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    store<f32>(param + o, p - lr * g);
  }
}

/** SGD with a momentum buffer; `nesterov` selects the look-ahead form. */
export function sgd_momentum_step(
  param: usize, grad: usize, buf: usize, n: i32,
  lr: f32, weightDecay: f32, gradSign: f32,
  momentum: f32, bufDecay: f32, bufGradScale: f32, nesterov: bool,
): void {
  const vLr = f32x4.splat(lr);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const vMom = f32x4.splat(momentum);
  const vDecay = f32x4.splat(bufDecay);
  const vScale = f32x4.splat(bufGradScale);
  const end = simdEnd(n);
  let i = 0;
  if (nesterov) {
    for (; i < end; i += 4) {
      const o = at(i);
      const p = v128.load(param + o);
      const g = madd(vWd, p, f32x4.mul(vSign, v128.load(grad + o)));
      const b = madd(vScale, g, f32x4.mul(vDecay, v128.load(buf + o)));
      v128.store(buf + o, b);
      v128.store(param + o, nmadd(vLr, madd(vMom, b, g), p));
    }
  } else {
    for (; i < end; i += 4) {
      const o = at(i);
      const p = v128.load(param + o);
      const g = madd(vWd, p, f32x4.mul(vSign, v128.load(grad + o)));
      const b = madd(vScale, g, f32x4.mul(vDecay, v128.load(buf + o)));
      v128.store(buf + o, b);
      v128.store(param + o, nmadd(vLr, b, p));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const b = bufDecay * load<f32>(buf + o) + bufGradScale * g;
    store<f32>(buf + o, b);
    store<f32>(param + o, p - lr * (nesterov ? g + momentum * b : b));
  }
}
