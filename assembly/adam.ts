// Adam / AdamW / AMSGrad — torch.optim.Adam and AdamW semantics (eps outside the sqrt).
//   p = paramScale * p                           (AdamW: 1 - lr * wd; Adam: 1)
//   g = sign * grad + weightDecay * p            (Adam's coupled decay; AdamW passes 0)
//   m = m + (1 - b1) * (g - m)
//   v = b2 * v + (1 - b2) * g * g
//   vmax = max(vmax, v)                          (amsgrad only; the max is of the uncorrected v)
//   p = p - stepSize * m / (sqrt(amsgrad ? vmax : v) + epsHat)
// with stepSize = lr * sqrt(1 - b2^t) / (1 - b1^t) and epsHat = eps * sqrt(1 - b2^t): the same
// value as torch's m / (sqrt(v) / sqrt(1 - b2^t) + eps) * lr / (1 - b1^t), one multiply fewer.
// madd/nmadd fuse in the relaxed-SIMD build only (see common.ts); the scalar tails never fuse.
import { at, madd, nmadd, simdEnd } from './common';

/** The common case (no weight decay, no maximize, no AMSGrad): the fewest operations per element. */
function adamPlain(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(epsHat);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const g = v128.load(grad + o);
    let m = v128.load(expAvg + o);
    m = madd(vOmb1, f32x4.sub(g, m), m);
    const v = madd(f32x4.mul(vOmb2, g), g, f32x4.mul(vB2, v128.load(expAvgSq + o)));
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    const denom = f32x4.add(f32x4.sqrt(v), vEps);
    v128.store(param + o, nmadd(vStep, f32x4.div(m, denom), v128.load(param + o)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const g = load<f32>(grad + o);
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * load<f32>(expAvgSq + o) + oneMinusBeta2 * g * g;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    store<f32>(param + o, load<f32>(param + o) - stepSize * (m / (Mathf.sqrt(v) + epsHat)));
  }
}

export function adam_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
  weightDecay: f32, paramScale: f32, gradSign: f32, amsgrad: bool,
): void {
  if (!amsgrad && weightDecay == 0 && paramScale == 1 && gradSign == 1) {
    adamPlain(param, grad, expAvg, expAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat);
    return;
  }
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(epsHat);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = madd(vWd, p, f32x4.mul(vSign, v128.load(grad + o)));
    let m = v128.load(expAvg + o);
    m = madd(vOmb1, f32x4.sub(g, m), m);
    const v = madd(f32x4.mul(vOmb2, g), g, f32x4.mul(vB2, v128.load(expAvgSq + o)));
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    let vv = v;
    if (amsgrad) {
      vv = f32x4.max(v128.load(maxExpAvgSq + o), v);
      v128.store(maxExpAvgSq + o, vv);
    }
    const denom = f32x4.add(f32x4.sqrt(vv), vEps);
    v128.store(param + o, nmadd(vStep, f32x4.div(m, denom), p));
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
    let vv = v;
    if (amsgrad) {
      vv = max(load<f32>(maxExpAvgSq + o), v);
      store<f32>(maxExpAvgSq + o, vv);
    }
    store<f32>(param + o, p - stepSize * (m / (Mathf.sqrt(vv) + epsHat)));
  }
}
