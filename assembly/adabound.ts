// AdaBound / AMSBound (Luo et al. 2019), the official code's update: Adam's per-element step
// size clipped into [lower, upper], bounds that converge to the final (SGD) lr.
//   g = grad + weightDecay * p                   (coupled L2)
//   m = m + (1 - b1) * (g - m)
//   v = b2 * v + (1 - b2) * g * g
//   vmax = max(vmax, v)                          (amsbound only)
//   eta = clamp(stepSize / (sqrt(amsbound ? vmax : v) + eps), lower, upper)
//   p = p - eta * m                              (stepSize = lr * sqrt(1 - b2^t) / (1 - b1^t))
import { at, simdEnd } from './common';

@inline function adaboundLoop(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32,
  lower: f32, upper: f32, amsbound: bool,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vLower = f32x4.splat(lower);
  const vUpper = f32x4.splat(upper);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    let v = f32x4.add(f32x4.mul(vB2, v128.load(expAvgSq + o)), f32x4.mul(f32x4.mul(vOmb2, g), g));
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    if (amsbound) {
      v = f32x4.max(v128.load(maxExpAvgSq + o), v);
      v128.store(maxExpAvgSq + o, v);
    }
    const eta = f32x4.min(f32x4.max(f32x4.div(vStep, f32x4.add(f32x4.sqrt(v), vEps)), vLower), vUpper);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(eta, m)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    let v = beta2 * load<f32>(expAvgSq + o) + oneMinusBeta2 * g * g;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    if (amsbound) {
      v = max(load<f32>(maxExpAvgSq + o), v);
      store<f32>(maxExpAvgSq + o, v);
    }
    const eta = min(max(stepSize / (Mathf.sqrt(v) + eps), lower), upper);
    store<f32>(param + o, p - eta * m);
  }
}

export function adabound_step(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32,
  lower: f32, upper: f32, amsbound: bool,
): void {
  // The flag is a constant in each inlined copy, so neither loop tests it per element.
  if (amsbound) {
    adaboundLoop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, lower, upper, true);
  } else {
    adaboundLoop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, lower, upper, false);
  }
}
