// Rprop (iRprop−) — torch.optim.Rprop semantics.
//   g = sign * grad
//   prod = g * prev
//   step = clamp((first ? lr : step) * (prod > 0 ? etaPlus : prod < 0 ? etaMinus : 1), stepMin, stepMax)
//   g = prod < 0 ? 0 : g
//   p = p - ((g > 0) - (g < 0)) * step
//   prev = g
// f32x4 has no sign op: signs come from comparison masks (all-ones lanes) and bitselect/and, which
// also gives torch's CPU sign(NaN) = 0 and leaves the zero padding untouched.
import { at, simdEnd } from './common';

export function rprop_step(
  param: usize, grad: usize, prev: usize, stepSize: usize, n: i32,
  lr: f32, etaMinus: f32, etaPlus: f32, stepMin: f32, stepMax: f32, gradSign: f32, first: bool,
): void {
  const vSign = f32x4.splat(gradSign);
  const vEtaMinus = f32x4.splat(etaMinus);
  const vEtaPlus = f32x4.splat(etaPlus);
  const vMin = f32x4.splat(stepMin);
  const vMax = f32x4.splat(stepMax);
  const vOne = f32x4.splat(1);
  const vZero = f32x4.splat(0);
  const end = simdEnd(n);
  if (first) {
    // torch initializes step_size to the group's lr lazily, on the first step.
    const vLr = f32x4.splat(lr);
    let j = 0;
    for (; j < end; j += 4) v128.store(stepSize + at(j), vLr);
    for (; j < n; j++) store<f32>(stepSize + at(j), lr);
  }
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const g = f32x4.mul(vSign, v128.load(grad + o));
    const prod = f32x4.mul(g, v128.load(prev + o));
    const up = f32x4.gt(prod, vZero);
    const down = f32x4.lt(prod, vZero);
    const factor = v128.bitselect(vEtaPlus, v128.bitselect(vEtaMinus, vOne, down), up);
    const s = f32x4.min(f32x4.max(f32x4.mul(v128.load(stepSize + o), factor), vMin), vMax);
    const kept = v128.andnot(g, down);
    const dir = f32x4.sub(v128.and(vOne, f32x4.gt(kept, vZero)), v128.and(vOne, f32x4.lt(kept, vZero)));
    v128.store(stepSize + o, s);
    v128.store(prev + o, kept);
    v128.store(param + o, f32x4.sub(v128.load(param + o), f32x4.mul(dir, s)));
  }
  for (; i < n; i++) {
    const o = at(i);
    const g = gradSign * load<f32>(grad + o);
    const prod = g * load<f32>(prev + o);
    const factor: f32 = prod > 0 ? etaPlus : prod < 0 ? etaMinus : 1;
    const s = min(max(load<f32>(stepSize + o) * factor, stepMin), stepMax);
    const kept: f32 = prod < 0 ? 0 : g;
    const dir: f32 = <f32>(<i32>(kept > 0) - <i32>(kept < 0));
    store<f32>(stepSize + o, s);
    store<f32>(prev + o, kept);
    store<f32>(param + o, load<f32>(param + o) - dir * s);
  }
}
