// AdaMomentum (Algorithm 1 of the ICLR 2022 submission): the second moment tracks the momentum m,
// and eps is added inside it every step; no eps outside the square root.
//   p = paramScale * p                           (decoupled decay: 1 - lr * wd; else 1)
//   g = grad + weightDecay * p                   (coupled decay; decoupled passes 0)
//   m = m + (1 - b1) * (g - m)
//   v = b2 * v + (1 - b2) * m * m + eps
//   p = p - stepSize * m / sqrt(v)               (stepSize = lr * sqrt(1 - b2^t) / (1 - b1^t))
import { at, simdEnd } from './common';

export function adamomentum_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, paramScale: f32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const v = f32x4.add(f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(f32x4.mul(vOmb2, m), m)), vEps);
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, f32x4.sqrt(v)))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * load<f32>(expAvgSq + o) + oneMinusBeta2 * m * m + eps;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    store<f32>(param + o, p - stepSize * (m / Mathf.sqrt(v)));
  }
}
