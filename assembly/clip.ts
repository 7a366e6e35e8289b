// Gradient clipping passes over a whole grad slot (its padding is zero: it adds nothing to a norm
// and stays zero under scaling and clamping).
//   slot_sum_squares: Σ x_i², each x_i widened to f64 before squaring (exact) and summed in f64
//                     (two f64x2 accumulators), so float32 gradients cannot overflow it and the
//                     relative error stays below n·2^-53
//   slot_max_abs:     max |x_i| (NaN if any x_i is NaN)
//   slot_scale:       x_i = factor · x_i
//   slot_clamp:       x_i = min(max(x_i, lo), hi) (NaN stays NaN)
import { at, simdEnd } from './common';

export function slot_sum_squares(ptr: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const v = v128.load(ptr + at(i));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const acc = f64x2.add(acc0, acc1);
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(ptr + at(i));
    sum += x * x;
  }
  return sum;
}

export function slot_max_abs(ptr: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) acc = f32x4.max(acc, f32x4.abs(v128.load(ptr + at(i))));
  let m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (; i < n; i++) m = max(m, abs(load<f32>(ptr + at(i))));
  return m;
}

export function slot_scale(ptr: usize, n: i32, factor: f32): void {
  const vf = f32x4.splat(factor);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const p = ptr + at(i);
    v128.store(p, f32x4.mul(vf, v128.load(p)));
  }
  for (; i < n; i++) {
    const p = ptr + at(i);
    store<f32>(p, factor * load<f32>(p));
  }
}

export function slot_clamp(ptr: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const p = ptr + at(i);
    v128.store(p, f32x4.min(f32x4.max(v128.load(p), vlo), vhi));
  }
  for (; i < n; i++) {
    const p = ptr + at(i);
    store<f32>(p, min(max(load<f32>(p), lo), hi));
  }
}
