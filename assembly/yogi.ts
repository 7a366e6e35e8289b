// Yogi (Zaheer et al. 2018): an additive second-moment update whose direction is the sign of
// v - g^2, so v moves toward g^2 by at most (1 - b2) g^2 per step.
//   g = grad + weightDecay * p                   (coupled L2)
//   m = m + (1 - b1) * (g - m)
//   v = v - (1 - b2) * sign(v - g^2) * g^2       (sign(0) = 0)
//   p = p - stepSize * m / (sqrt(v) * denScale + eps)
// With bias correction the TS layer passes stepSize = lr / (1 - b1^t), denScale = 1/sqrt(1 - b2^t);
// without (the paper's Algorithm 2), stepSize = lr and denScale = 1.
// f32x4 has no sign: it is built from the two comparison masks (all-ones lanes) and the bits of +-1.
import { at, simdEnd } from './common';

export function yogi_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, denScale: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vDen = f32x4.splat(denScale);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vZero = f32x4.splat(0);
  const vOne = f32x4.splat(1);
  const vMinusOne = f32x4.splat(-1);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    const g2 = f32x4.mul(g, g);
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    let v = v128.load(expAvgSq + o);
    const d = f32x4.sub(v, g2);
    const sign = v128.or(v128.and(f32x4.gt(d, vZero), vOne), v128.and(f32x4.lt(d, vZero), vMinusOne));
    v = f32x4.sub(v, f32x4.mul(f32x4.mul(vOmb2, sign), g2));
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(v), vDen), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, denom))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const g2 = g * g;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    let v = load<f32>(expAvgSq + o);
    const d = v - g2;
    const sign: f32 = d > 0 ? 1 : d < 0 ? -1 : 0;
    v = v - oneMinusBeta2 * sign * g2;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    store<f32>(param + o, p - stepSize * (m / (Mathf.sqrt(v) * denScale + eps)));
  }
}
