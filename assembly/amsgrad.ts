// AMSGrad as Reddi et al. / the overview state it: no bias correction.
//   g = sign * grad + weightDecay * p
//   m = m + (1 - b1) * (g - m)
//   v = b2 * v + (1 - b2) * g * g
//   vmax = max(vmax, v)
//   p = p - lr * m / (sqrt(vmax) + eps)
import { at, simdEnd } from './common';

export function amsgrad_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  lr: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, gradSign: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const v = f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(f32x4.mul(vOmb2, g), g));
    const vmax = f32x4.max(v128.load(maxExpAvgSq + o), v);
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    v128.store(maxExpAvgSq + o, vmax);
    const denom = f32x4.add(f32x4.sqrt(vmax), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, f32x4.div(m, denom))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * load<f32>(expAvgSq + o) + oneMinusBeta2 * g * g;
    const vmax = max(load<f32>(maxExpAvgSq + o), v);
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    store<f32>(maxExpAvgSq + o, vmax);
    store<f32>(param + o, p - lr * (m / (Mathf.sqrt(vmax) + eps)));
  }
}
