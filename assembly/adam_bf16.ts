// Adam / AdamW / AMSGrad with bfloat16 state (exp_avg, exp_avg_sq, max_exp_avg_sq): adam.ts's
// update in float32 on the widened state, then the new state narrowed back (lowp_common.ts). The
// parameter update uses the float32 values of this step's moments, before narrowing. Unfused
// float32 operations in adam.ts's order, so with the same state the parameter update equals the
// strict build's float32 kernel bit for bit.
import { at } from './common';
import {
  at16, bf16Load, bf16Nearest, bf16Pack, bf16Stochastic, bf16StoreNearest, bf16StoreStochastic, bf16WidenHi, bf16WidenLo,
  hash32, hash32x4,
} from './lowp_common';

@inline function adamBf16Loop(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
  weightDecay: f32, paramScale: f32, gradSign: f32, amsgrad: bool,
  plain: bool, stochastic: bool, seed: u32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(epsHat);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const vSign = f32x4.splat(gradSign);
  const vSeed = i32x4.splat(seed);
  let index = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  // 8 elements per iteration: one 16-byte load and store per bfloat16 slot.
  const end = n & ~7;
  let i = 0;
  for (; i < end; i += 8) {
    const o = at(i);
    const h = at16(i);
    let p0 = v128.load(param + o);
    let p1 = v128.load(param + o, 16);
    let g0 = v128.load(grad + o);
    let g1 = v128.load(grad + o, 16);
    if (!plain) {
      p0 = f32x4.mul(vScale, p0);
      p1 = f32x4.mul(vScale, p1);
      g0 = f32x4.add(f32x4.mul(vWd, p0), f32x4.mul(vSign, g0));
      g1 = f32x4.add(f32x4.mul(vWd, p1), f32x4.mul(vSign, g1));
    }
    const mh = v128.load(expAvg + h);
    const vh = v128.load(expAvgSq + h);
    let m0 = bf16WidenLo(mh);
    let m1 = bf16WidenHi(mh);
    m0 = f32x4.add(f32x4.mul(vOmb1, f32x4.sub(g0, m0)), m0);
    m1 = f32x4.add(f32x4.mul(vOmb1, f32x4.sub(g1, m1)), m1);
    const v0 = f32x4.add(f32x4.mul(f32x4.mul(vOmb2, g0), g0), f32x4.mul(vB2, bf16WidenLo(vh)));
    const v1 = f32x4.add(f32x4.mul(f32x4.mul(vOmb2, g1), g1), f32x4.mul(vB2, bf16WidenHi(vh)));
    let vv0 = v0;
    let vv1 = v1;
    if (!plain && amsgrad) {
      const xh = v128.load(maxExpAvgSq + h);
      vv0 = f32x4.max(bf16WidenLo(xh), v0);
      vv1 = f32x4.max(bf16WidenHi(xh), v1);
    }
    if (stochastic) {
      const r0 = hash32x4(index, vSeed);
      const r1 = hash32x4(i32x4.add(index, four), vSeed);
      index = i32x4.add(index, i32x4.splat(8));
      const rv0 = i32x4.shr_u(r0, 16);
      const rv1 = i32x4.shr_u(r1, 16);
      v128.store(expAvg + h, bf16Pack(bf16Stochastic(m0, r0), bf16Stochastic(m1, r1)));
      v128.store(expAvgSq + h, bf16Pack(bf16Stochastic(v0, rv0), bf16Stochastic(v1, rv1)));
      if (!plain && amsgrad) v128.store(maxExpAvgSq + h, bf16Pack(bf16Stochastic(vv0, rv0), bf16Stochastic(vv1, rv1)));
    } else {
      v128.store(expAvg + h, bf16Pack(bf16Nearest(m0), bf16Nearest(m1)));
      v128.store(expAvgSq + h, bf16Pack(bf16Nearest(v0), bf16Nearest(v1)));
      if (!plain && amsgrad) v128.store(maxExpAvgSq + h, bf16Pack(bf16Nearest(vv0), bf16Nearest(vv1)));
    }
    v128.store(param + o, f32x4.sub(p0, f32x4.mul(vStep, f32x4.div(m0, f32x4.add(f32x4.sqrt(vv0), vEps)))));
    v128.store(param + o, f32x4.sub(p1, f32x4.mul(vStep, f32x4.div(m1, f32x4.add(f32x4.sqrt(vv1), vEps)))), 16);
  }
  for (; i < n; i++) {
    const o = at(i);
    const h = at16(i);
    let p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (!plain) {
      p = paramScale * p;
      g = gradSign * g + weightDecay * p;
    }
    let m = bf16Load(expAvg + h);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * bf16Load(expAvgSq + h) + oneMinusBeta2 * g * g;
    let vv = v;
    if (!plain && amsgrad) vv = max(bf16Load(maxExpAvgSq + h), v);
    if (stochastic) {
      const r = hash32(<u32>i, seed);
      bf16StoreStochastic(expAvg + h, m, r);
      bf16StoreStochastic(expAvgSq + h, v, r >>> 16);
      if (!plain && amsgrad) bf16StoreStochastic(maxExpAvgSq + h, vv, r >>> 16);
    } else {
      bf16StoreNearest(expAvg + h, m);
      bf16StoreNearest(expAvgSq + h, v);
      if (!plain && amsgrad) bf16StoreNearest(maxExpAvgSq + h, vv);
    }
    store<f32>(param + o, p - stepSize * (m / (Mathf.sqrt(vv) + epsHat)));
  }
}

/** adam_step's arguments with bfloat16 state, then the rounding: `stochastic` with this step's `seed`, or nearest-even. */
export function adam_step_bf16(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
  weightDecay: f32, paramScale: f32, gradSign: f32, amsgrad: bool, stochastic: bool, seed: u32,
): void {
  const plain = !amsgrad && weightDecay == 0 && paramScale == 1 && gradSign == 1;
  if (plain) {
    if (stochastic) {
      adamBf16Loop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat, weightDecay, paramScale, gradSign, amsgrad, true, true, seed);
    } else {
      adamBf16Loop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat, weightDecay, paramScale, gradSign, amsgrad, true, false, seed);
    }
  } else if (stochastic) {
    adamBf16Loop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat, weightDecay, paramScale, gradSign, amsgrad, false, true, seed);
  } else {
    adamBf16Loop(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat, weightDecay, paramScale, gradSign, amsgrad, false, false, seed);
  }
}
