// RAdam — torch.optim.RAdam semantics (eps added to sqrt(v) before the bias correction).
//   p = paramScale * p                           (decoupled decay: 1 - lr * wd; else 1)
//   g = sign * grad + weightDecay * p            (coupled decay; 0 when decoupled)
//   m = m + (1 - b1) * (g - m)
//   v = b2 * v + (1 - b2) * g * g
//   p = p - stepSize * m / (sqrt(v) + eps)       (rectify: stepSize = lr * r_t * sqrt(1 - b2^t) / (1 - b1^t))
//   p = p - stepSize * m                         (otherwise: stepSize = lr / (1 - b1^t))
import { at, simdEnd } from './common';

export function radam_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32,
  weightDecay: f32, paramScale: f32, gradSign: f32, rectify: bool,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  if (rectify) {
    for (; i < end; i += 4) {
      const o = at(i);
      const p = f32x4.mul(vScale, v128.load(param + o));
      const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
      let m = v128.load(expAvg + o);
      m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
      const v = f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(f32x4.mul(vOmb2, g), g));
      v128.store(expAvg + o, m);
      v128.store(expAvgSq + o, v);
      const denom = f32x4.add(f32x4.sqrt(v), vEps);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, denom))));
    }
  } else {
    for (; i < end; i += 4) {
      const o = at(i);
      const p = f32x4.mul(vScale, v128.load(param + o));
      const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
      let m = v128.load(expAvg + o);
      m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
      const v = f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(f32x4.mul(vOmb2, g), g));
      v128.store(expAvg + o, m);
      v128.store(expAvgSq + o, v);
      v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, m)));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * load<f32>(expAvgSq + o) + oneMinusBeta2 * g * g;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    store<f32>(param + o, rectify ? p - stepSize * (m / (Mathf.sqrt(v) + eps)) : p - stepSize * m);
  }
}
