// QHAdam / QHAdamW with bfloat16 state (exp_avg, exp_avg_sq): qhadam.ts's update in float32 on the
// widened state, the new state narrowed back (lowp_common.ts); the parameter update uses this
// step's float32 moments. Unfused operations in qhadam.ts's order.
import { at } from './common';
import {
  at16, bf16Load, bf16Load4, bf16Nearest, bf16Stochastic, bf16Store4, bf16StoreNearest, bf16StoreStochastic,
  hash32, hash32x4,
} from './lowp_common';

@inline function qhadamBf16Loop(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  lr: f32, oneMinusBeta1Adj: f32, beta2Adj: f32, oneMinusBeta2Adj: f32,
  nu1: f32, oneMinusNu1: f32, nu2: f32, oneMinusNu2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
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
  const vSeed = i32x4.splat(seed);
  let index = i32x4(0, 1, 2, 3);
  const end = n & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const h = at16(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    const g2 = f32x4.mul(g, g);
    let m = bf16Load4(expAvg + h);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const v = f32x4.add(f32x4.mul(vB2, bf16Load4(expAvgSq + h)), f32x4.mul(vOmb2, g2));
    if (stochastic) {
      const r = hash32x4(index, vSeed);
      index = i32x4.add(index, i32x4.splat(4));
      bf16Store4(expAvg + h, bf16Stochastic(m, r));
      bf16Store4(expAvgSq + h, bf16Stochastic(v, i32x4.shr_u(r, 16)));
    } else {
      bf16Store4(expAvg + h, bf16Nearest(m));
      bf16Store4(expAvgSq + h, bf16Nearest(v));
    }
    const num = f32x4.add(f32x4.mul(vNu1, m), f32x4.mul(vOmn1, g));
    const den = f32x4.add(f32x4.sqrt(f32x4.add(f32x4.mul(vNu2, v), f32x4.mul(vOmn2, g2))), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vLr, f32x4.div(num, den))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const h = at16(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const g2 = g * g;
    let m = bf16Load(expAvg + h);
    m = m + oneMinusBeta1Adj * (g - m);
    const v = beta2Adj * bf16Load(expAvgSq + h) + oneMinusBeta2Adj * g2;
    if (stochastic) {
      const r = hash32(<u32>i, seed);
      bf16StoreStochastic(expAvg + h, m, r);
      bf16StoreStochastic(expAvgSq + h, v, r >>> 16);
    } else {
      bf16StoreNearest(expAvg + h, m);
      bf16StoreNearest(expAvgSq + h, v);
    }
    const num = nu1 * m + oneMinusNu1 * g;
    const den = Mathf.sqrt(nu2 * v + oneMinusNu2 * g2) + eps;
    store<f32>(param + o, p - lr * (num / den));
  }
}

/** qhadam_step's arguments with bfloat16 state, then the rounding (see adam_bf16.ts). */
export function qhadam_step_bf16(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  lr: f32, oneMinusBeta1Adj: f32, beta2Adj: f32, oneMinusBeta2Adj: f32,
  nu1: f32, oneMinusNu1: f32, nu2: f32, oneMinusNu2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
): void {
  if (stochastic) {
    qhadamBf16Loop(param, grad, expAvg, expAvgSq, n, lr, oneMinusBeta1Adj, beta2Adj, oneMinusBeta2Adj, nu1, oneMinusNu1, nu2, oneMinusNu2, eps, weightDecay, paramScale, true, seed);
  } else {
    qhadamBf16Loop(param, grad, expAvg, expAvgSq, n, lr, oneMinusBeta1Adj, beta2Adj, oneMinusBeta2Adj, nu1, oneMinusNu1, nu2, oneMinusNu2, eps, weightDecay, paramScale, false, seed);
  }
}
