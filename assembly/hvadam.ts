// HVAdam (Zhang et al., AAAI 2025, Algorithm 2): two passes per step with a group reduction
// between them (see src/rules/hvadam.ts for the whole step and the scalar logic in float64).
//
// Pass 1, hvadam_moments — the element-wise part of lines 4-10 and the Adam-like term of line 28:
//   p = paramScale * p                               (decoupled decay; 1 by default)
//   g = sign * grad + weightDecay * p                (coupled L2 decay, the official default)
//   d = g - m;  m = m + (1 - b1) * d                 (line 5)
//   q = (g - v)^2                                    (line 6, v = v_{t-1})
//   r = (b1 * d)^2                                   (= (g - m_t)^2, without the cancellation)
//   s = b2 * s + (1 - b2) * (q / (r + gamma q + eps)) * q   (lines 7-8; the "+ eps" series of
//                                                    line 8 is kept apart as epsSum, see the TS doc)
//   p = p - stepSize * m / (sqrt((s + epsSum) * invBc2) + eps)
//   and, in float64, over mhat = m * invBc1 (float32) and v:
//   sum mhat^2, sum mhat*v, sum v^2, sum (v - mhat)^2  -> REDUCTION_SCRATCH[0..3]
// The products of two float32 values are exact in float64, so the sums carry only the float64
// summation error. Padding (p = g = m = v = 0) contributes 0 to every sum.
//
// Pass 2, hvadam_hidden_step — lines 15-17 and the hidden-vector term of line 28:
//   v = v + k * (mhat - v);  p = p - hiddenStep * v  (the parameter only when applyStep)
// or hvadam_reset_v — line 25: v = mhat.
import { at, simdEnd, REDUCTION_SCRATCH } from './common';

export function hvadam_moments(
  param: usize, grad: usize, expAvg: usize, expAvgVar: usize, lastV: usize, n: i32,
  stepSize: f32, invBc1: f32, invBc2: f32, oneMinusBeta1: f32, beta1: f32, beta2: f32, oneMinusBeta2: f32,
  gamma: f32, eps: f32, epsSum: f32, weightDecay: f32, paramScale: f32, gradSign: f32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vInvBc1 = f32x4.splat(invBc1);
  const vInvBc2 = f32x4.splat(invBc2);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB1 = f32x4.splat(beta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vGamma = f32x4.splat(gamma);
  const vEps = f32x4.splat(eps);
  const vEpsSum = f32x4.splat(epsSum);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const vSign = f32x4.splat(gradSign);
  // Separate accumulators for the low and high lane pairs: two independent dependency chains.
  let mmLo = f64x2.splat(0), mmHi = f64x2.splat(0);
  let mvLo = f64x2.splat(0), mvHi = f64x2.splat(0);
  let vvLo = f64x2.splat(0), vvHi = f64x2.splat(0);
  let ddLo = f64x2.splat(0), ddHi = f64x2.splat(0);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const m0 = v128.load(expAvg + o);
    const d = f32x4.sub(g, m0);
    const m = f32x4.add(m0, f32x4.mul(vOmb1, d));
    const gm = f32x4.mul(vB1, d);
    const r = f32x4.mul(gm, gm);
    const v = v128.load(lastV + o);
    const gv = f32x4.sub(g, v);
    const q = f32x4.mul(gv, gv);
    const eta = f32x4.div(q, f32x4.add(f32x4.add(r, f32x4.mul(vGamma, q)), vEps));
    const s = f32x4.add(f32x4.mul(vB2, v128.load(expAvgVar + o)), f32x4.mul(f32x4.mul(vOmb2, eta), q));
    v128.store(expAvg + o, m);
    v128.store(expAvgVar + o, s);
    const denom = f32x4.add(f32x4.sqrt(f32x4.mul(f32x4.add(s, vEpsSum), vInvBc2)), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, denom))));

    const mh = f32x4.mul(m, vInvBc1);
    const mLo = f64x2.promote_low_f32x4(mh);
    const mHi = f64x2.promote_low_f32x4(f32x4.shuffle(mh, mh, 2, 3, 2, 3));
    const vLo = f64x2.promote_low_f32x4(v);
    const vHi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3));
    const dLo = f64x2.sub(vLo, mLo);
    const dHi = f64x2.sub(vHi, mHi);
    mmLo = f64x2.add(mmLo, f64x2.mul(mLo, mLo));
    mmHi = f64x2.add(mmHi, f64x2.mul(mHi, mHi));
    mvLo = f64x2.add(mvLo, f64x2.mul(mLo, vLo));
    mvHi = f64x2.add(mvHi, f64x2.mul(mHi, vHi));
    vvLo = f64x2.add(vvLo, f64x2.mul(vLo, vLo));
    vvHi = f64x2.add(vvHi, f64x2.mul(vHi, vHi));
    ddLo = f64x2.add(ddLo, f64x2.mul(dLo, dLo));
    ddHi = f64x2.add(ddHi, f64x2.mul(dHi, dHi));
  }
  const mmV = f64x2.add(mmLo, mmHi);
  const mvV = f64x2.add(mvLo, mvHi);
  const vvV = f64x2.add(vvLo, vvHi);
  const ddV = f64x2.add(ddLo, ddHi);
  let mm = f64x2.extract_lane(mmV, 0) + f64x2.extract_lane(mmV, 1);
  let mv = f64x2.extract_lane(mvV, 0) + f64x2.extract_lane(mvV, 1);
  let vv = f64x2.extract_lane(vvV, 0) + f64x2.extract_lane(vvV, 1);
  let dd = f64x2.extract_lane(ddV, 0) + f64x2.extract_lane(ddV, 1);
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const m0 = load<f32>(expAvg + o);
    const d = g - m0;
    const m = m0 + oneMinusBeta1 * d;
    const gm = beta1 * d;
    const r = gm * gm;
    const v = load<f32>(lastV + o);
    const gv = g - v;
    const q = gv * gv;
    const eta = q / (r + gamma * q + eps);
    const s = beta2 * load<f32>(expAvgVar + o) + oneMinusBeta2 * eta * q;
    store<f32>(expAvg + o, m);
    store<f32>(expAvgVar + o, s);
    const denom = Mathf.sqrt((s + epsSum) * invBc2) + eps;
    store<f32>(param + o, p - stepSize * (m / denom));

    const mh = <f64>(m * invBc1);
    const vd = <f64>v;
    const dv = vd - mh;
    mm += mh * mh;
    mv += mh * vd;
    vv += vd * vd;
    dd += dv * dv;
  }
  store<f64>(REDUCTION_SCRATCH, mm);
  store<f64>(REDUCTION_SCRATCH, mv, 8);
  store<f64>(REDUCTION_SCRATCH, vv, 16);
  store<f64>(REDUCTION_SCRATCH, dd, 24);
}

/** v = v + k (mhat - v); when applyStep, p = p - hiddenStep * v (the new v). */
export function hvadam_hidden_step(
  param: usize, expAvg: usize, lastV: usize, n: i32, invBc1: f32, k: f32, hiddenStep: f32, applyStep: bool,
): void {
  const vInvBc1 = f32x4.splat(invBc1);
  const vK = f32x4.splat(k);
  const vH = f32x4.splat(hiddenStep);
  const end = simdEnd(n);
  let i = 0;
  if (applyStep) {
    for (; i < end; i += 4) {
      const o = at(i);
      let v = v128.load(lastV + o);
      v = f32x4.add(v, f32x4.mul(vK, f32x4.sub(f32x4.mul(v128.load(expAvg + o), vInvBc1), v)));
      v128.store(lastV + o, v);
      v128.store(param + o, f32x4.sub(v128.load(param + o), f32x4.mul(vH, v)));
    }
  } else {
    for (; i < end; i += 4) {
      const o = at(i);
      const v = v128.load(lastV + o);
      v128.store(lastV + o, f32x4.add(v, f32x4.mul(vK, f32x4.sub(f32x4.mul(v128.load(expAvg + o), vInvBc1), v))));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    let v = load<f32>(lastV + o);
    v = v + k * (load<f32>(expAvg + o) * invBc1 - v);
    store<f32>(lastV + o, v);
    if (applyStep) store<f32>(param + o, load<f32>(param + o) - hiddenStep * v);
  }
}

/** v = mhat = m * invBc1 (a (re)start of the hidden vector). */
export function hvadam_reset_v(expAvg: usize, lastV: usize, n: i32, invBc1: f32): void {
  const vInvBc1 = f32x4.splat(invBc1);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    v128.store(lastV + o, f32x4.mul(v128.load(expAvg + o), vInvBc1));
  }
  for (; i < n; i++) {
    const o = at(i);
    store<f32>(lastV + o, load<f32>(expAvg + o) * invBc1);
  }
}
