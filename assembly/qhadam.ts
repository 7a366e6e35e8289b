// QHAdam / QHAdamW (Ma & Yarats 2019), qhoptim's semantics: the moment estimates are kept
// bias-corrected, through decay factors that the TS layer derives from weighted step counts.
//   p = paramScale * p                           (QHAdamW: 1 - lr * wd; QHAdam: 1)
//   g = grad + weightDecay * p                   (QHAdam's coupled decay; QHAdamW passes 0)
//   m = m + (1 - b1adj) * (g - m)
//   v = b2adj * v + (1 - b2adj) * g * g
//   p = p - lr * (nu1 * m + (1 - nu1) * g) / (sqrt(nu2 * v + (1 - nu2) * g * g) + eps)
import { at, simdEnd } from './common';

export function qhadam_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  lr: f32, oneMinusBeta1Adj: f32, beta2Adj: f32, oneMinusBeta2Adj: f32,
  nu1: f32, oneMinusNu1: f32, nu2: f32, oneMinusNu2: f32, eps: f32, weightDecay: f32, paramScale: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vOmb1 = f32x4.splat(oneMinusBeta1Adj);
  const vB2 = f32x4.splat(beta2Adj);
  const vOmb2 = f32x4.splat(oneMinusBeta2Adj);
  const vNu1 = f32x4.splat(nu1);
  const vOmn1 = f32x4.splat(oneMinusNu1);
  const vNu2 = f32x4.splat(nu2);
  const vOmn2 = f32x4.splat(oneMinusNu2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    const g2 = f32x4.mul(g, g);
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const v = f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(vOmb2, g2));
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    const num = f32x4.add(f32x4.mul(vNu1, m), f32x4.mul(vOmn1, g));
    const den = f32x4.add(f32x4.sqrt(f32x4.add(f32x4.mul(vNu2, v), f32x4.mul(vOmn2, g2))), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, f32x4.div(num, den))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const g2 = g * g;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1Adj * (g - m);
    const v = beta2Adj * load<f32>(expAvgSq + o) + oneMinusBeta2Adj * g2;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    const num = nu1 * m + oneMinusNu1 * g;
    const den = Mathf.sqrt(nu2 * v + oneMinusNu2 * g2) + eps;
    store<f32>(param + o, p - lr * (num / den));
  }
}
