// AdaMomentum with bfloat16 state (exp_avg, exp_avg_sq): adamomentum.ts's update in float32 on the
// widened state, the new state narrowed back (lowp_common.ts); the parameter update uses this
// step's float32 moments. Unfused operations in adamomentum.ts's order.
import { at } from './common';
import {
  at16, bf16Load, bf16Load4, bf16Nearest, bf16Stochastic, bf16Store4, bf16StoreNearest, bf16StoreStochastic,
  hash32, hash32x4,
} from './lowp_common';

@inline function adamomentumBf16Loop(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vOmb2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const vSeed = i32x4.splat(seed);
  let index = i32x4(0, 1, 2, 3);
  const end = n & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const h = at16(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    let m = bf16Load4(expAvg + h);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const v = f32x4.add(f32x4.add(f32x4.mul(vB2, bf16Load4(expAvgSq + h)), f32x4.mul(f32x4.mul(vOmb2, m), m)), vEps);
    if (stochastic) {
      const r = hash32x4(index, vSeed);
      index = i32x4.add(index, i32x4.splat(4));
      bf16Store4(expAvg + h, bf16Stochastic(m, r));
      bf16Store4(expAvgSq + h, bf16Stochastic(v, i32x4.shr_u(r, 16)));
    } else {
      bf16Store4(expAvg + h, bf16Nearest(m));
      bf16Store4(expAvgSq + h, bf16Nearest(v));
    }
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vStep, f32x4.div(m, f32x4.sqrt(v)))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const h = at16(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    let m = bf16Load(expAvg + h);
    m = m + oneMinusBeta1 * (g - m);
    const v = beta2 * bf16Load(expAvgSq + h) + oneMinusBeta2 * m * m + eps;
    if (stochastic) {
      const r = hash32(<u32>i, seed);
      bf16StoreStochastic(expAvg + h, m, r);
      bf16StoreStochastic(expAvgSq + h, v, r >>> 16);
    } else {
      bf16StoreNearest(expAvg + h, m);
      bf16StoreNearest(expAvgSq + h, v);
    }
    store<f32>(param + o, p - stepSize * (m / Mathf.sqrt(v)));
  }
}

/** adamomentum_step's arguments with bfloat16 state, then the rounding (see adam_bf16.ts). */
export function adamomentum_step_bf16(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
): void {
  if (stochastic) {
    adamomentumBf16Loop(param, grad, expAvg, expAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, paramScale, true, seed);
  } else {
    adamomentumBf16Loop(param, grad, expAvg, expAvgSq, n, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, paramScale, false, seed);
  }
}
