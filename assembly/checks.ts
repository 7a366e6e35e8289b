// Input checks that must run before any write, so a rejected step changes nothing.
import { at, simdEnd } from './common';

/**
 * True when all n floats at ptr are finite. x * 0 is 0 for finite x and NaN for ±Inf or NaN,
 * so one accumulator answers for the whole vector with a multiply and an add per 4 elements.
 */
export function all_finite(ptr: usize, n: i32): bool {
  const zero = f32x4.splat(0);
  let acc = zero;
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(ptr + at(i)), zero));
  let tail: f32 = 0;
  for (; i < n; i++) tail += load<f32>(ptr + at(i)) * 0;
  const sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
  return sum == 0;
}
