// AdaBelief (Zhuang et al. 2020), the official adabelief-pytorch update: s tracks the squared
// deviation of g from its EMA, and eps is added into s every step (and again outside the sqrt).
//   p = paramScale * p                           (decoupled decay: 1 - lr * wd; else 1)
//   g = grad + weightDecay * p                   (coupled decay; decoupled passes 0)
//   m = m + (1 - b1) * (g - m)
//   s = b2 * s + (1 - b2) * (g - m)^2 + epsState
//   smax = max(smax, s)                          (amsgrad only)
//   p = p - stepSize * m / (sqrt(amsgrad ? smax : s) * denScale + epsDen)
// The TS layer picks the scalars: plain (denScale = 1/sqrt(1 - b2^t), epsDen = eps), rectified
// (denScale = 1, stepSize with the RAdam factor), or the SGD fallback (denScale = 0, epsDen = 1).
import { at, simdEnd } from './common';

@inline function adabeliefLoop(
  param: usize, grad: usize, expAvg: usize, expAvgVar: usize, maxExpAvgVar: usize, n: i32,
  stepSize: f32, denScale: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsState: f32, epsDen: f32,
  weightDecay: f32, paramScale: f32, amsgrad: bool,
): void {
  const vStep = f32x4.splat(stepSize);
  const vDen = f32x4.splat(denScale);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEpsS = f32x4.splat(epsState);
  const vEpsD = f32x4.splat(epsDen);
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
    const d = f32x4.sub(g, m);
    let s = f32x4.add(f32x4.add(f32x4.mul(vB2, v128.load(expAvgVar + o)), f32x4.mul(f32x4.mul(vOmb2, d), d)), vEpsS);
    v128.store(expAvg + o, m);
    v128.store(expAvgVar + o, s);
    if (amsgrad) {
      s = f32x4.max(v128.load(maxExpAvgVar + o), s);
      v128.store(maxExpAvgVar + o, s);
    }
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(s), vDen), vEpsD);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, denom))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const d = g - m;
    let s = beta2 * load<f32>(expAvgVar + o) + oneMinusBeta2 * d * d + epsState;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgVar + o, s);
    if (amsgrad) {
      s = max(load<f32>(maxExpAvgVar + o), s);
      store<f32>(maxExpAvgVar + o, s);
    }
    store<f32>(param + o, p - stepSize * (m / (Mathf.sqrt(s) * denScale + epsDen)));
  }
}

export function adabelief_step(
  param: usize, grad: usize, expAvg: usize, expAvgVar: usize, maxExpAvgVar: usize, n: i32,
  stepSize: f32, denScale: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsState: f32, epsDen: f32,
  weightDecay: f32, paramScale: f32, amsgrad: bool,
): void {
  // The flag is a constant in each inlined copy, so neither loop tests it per element.
  if (amsgrad) {
    adabeliefLoop(param, grad, expAvg, expAvgVar, maxExpAvgVar, n, stepSize, denScale, oneMinusBeta1, beta2, oneMinusBeta2, epsState, epsDen, weightDecay, paramScale, true);
  } else {
    adabeliefLoop(param, grad, expAvg, expAvgVar, maxExpAvgVar, n, stepSize, denScale, oneMinusBeta1, beta2, oneMinusBeta2, epsState, epsDen, weightDecay, paramScale, false);
  }
}
