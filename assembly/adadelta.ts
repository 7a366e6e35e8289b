// Adadelta — torch.optim.Adadelta semantics (eps inside both square roots, lr multiplier).
//   g = sign * grad + weightDecay * p
//   v = rho * v + (1 - rho) * g * g
//   delta = sqrt(u + eps) / sqrt(v + eps) * g
//   u = rho * u + (1 - rho) * delta * delta
//   p = p - lr * delta
import { at, simdEnd } from './common';

export function adadelta_step(
  param: usize, grad: usize, squareAvg: usize, accDelta: usize, n: i32,
  lr: f32, rho: f32, oneMinusRho: f32, eps: f32, weightDecay: f32, gradSign: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vRho = f32x4.splat(rho);
  const vOmr = f32x4.splat(oneMinusRho);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const v = f32x4.add(f32x4.mul(vRho, v128.load(squareAvg + o)), f32x4.mul(f32x4.mul(vOmr, g), g));
    const std = f32x4.sqrt(f32x4.add(v, vEps));
    const u = v128.load(accDelta + o);
    const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(u, vEps)), std), g);
    v128.store(squareAvg + o, v);
    v128.store(accDelta + o, f32x4.add(f32x4.mul(vRho, u), f32x4.mul(f32x4.mul(vOmr, delta), delta)));
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, delta)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const v = rho * load<f32>(squareAvg + o) + oneMinusRho * g * g;
    const u = load<f32>(accDelta + o);
    const delta = (Mathf.sqrt(u + eps) / Mathf.sqrt(v + eps)) * g;
    store<f32>(squareAvg + o, v);
    store<f32>(accDelta + o, rho * u + oneMinusRho * delta * delta);
    store<f32>(param + o, p - lr * delta);
  }
}
