// RMSprop — torch.optim.RMSprop semantics (eps added after the sqrt).
//   g = sign * grad + weightDecay * p
//   v = alpha * v + (1 - alpha) * g * g
//   centered: ga = ga + (1 - alpha) * (g - ga);  avg = sqrt(v - ga * ga) + eps;  else avg = sqrt(v) + eps
//   momentum: buf = momentum * buf + g / avg;  p = p - lr * buf;  else p = p - lr * (g / avg)
// `centered` and `useMomentum` pick one of four loops; each is the inlined body below with the
// flags as constants, so no loop tests them.
import { at, simdEnd } from './common';

@inline function rmspropLoops(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, momentumBuffer: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, gradSign: f32, momentum: f32,
  centered: bool, useMomentum: bool,
): void {
  const vLr = f32x4.splat(lr);
  const vAlpha = f32x4.splat(alpha);
  const vOma = f32x4.splat(oneMinusAlpha);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const vMom = f32x4.splat(momentum);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const v = f32x4.add(f32x4.mul(vAlpha, v128.load(squareAvg + o)), f32x4.mul(f32x4.mul(vOma, g), g));
    v128.store(squareAvg + o, v);
    let avg: v128;
    if (centered) {
      let a = v128.load(gradAvg + o);
      a = f32x4.add(a, f32x4.mul(vOma, f32x4.sub(g, a)));
      v128.store(gradAvg + o, a);
      avg = f32x4.add(f32x4.sqrt(f32x4.sub(v, f32x4.mul(a, a))), vEps);
    } else {
      avg = f32x4.add(f32x4.sqrt(v), vEps);
    }
    if (useMomentum) {
      const b = f32x4.add(f32x4.mul(vMom, v128.load(momentumBuffer + o)), f32x4.div(g, avg));
      v128.store(momentumBuffer + o, b);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, b)));
    } else {
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, f32x4.div(g, avg))));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const v = alpha * load<f32>(squareAvg + o) + oneMinusAlpha * g * g;
    store<f32>(squareAvg + o, v);
    let avg: f32;
    if (centered) {
      let a = load<f32>(gradAvg + o);
      a = a + oneMinusAlpha * (g - a);
      store<f32>(gradAvg + o, a);
      avg = Mathf.sqrt(v - a * a) + eps;
    } else {
      avg = Mathf.sqrt(v) + eps;
    }
    if (useMomentum) {
      const b = momentum * load<f32>(momentumBuffer + o) + g / avg;
      store<f32>(momentumBuffer + o, b);
      store<f32>(param + o, p - lr * b);
    } else {
      store<f32>(param + o, p - lr * (g / avg));
    }
  }
}

export function rmsprop_step(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, momentumBuffer: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, gradSign: f32, momentum: f32,
  centered: bool, useMomentum: bool,
): void {
  if (centered) {
    if (useMomentum) {
      rmspropLoops(param, grad, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, true, true);
    } else {
      rmspropLoops(param, grad, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, true, false);
    }
  } else if (useMomentum) {
    rmspropLoops(param, grad, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, false, true);
  } else {
    rmspropLoops(param, grad, squareAvg, gradAvg, momentumBuffer, n, lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, false, false);
  }
}
