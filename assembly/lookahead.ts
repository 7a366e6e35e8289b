// Lookahead synchronization (Zhang et al. 2019, Algorithm 1), run every k fast steps:
//   slow = slow + alpha * (p - slow);  p = slow
import { at, simdEnd } from './common';

export function lookahead_sync(param: usize, slow: usize, n: i32, alpha: f32): void {
  const vAlpha = f32x4.splat(alpha);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const s = v128.load(slow + o);
    const u = f32x4.add(s, f32x4.mul(vAlpha, f32x4.sub(v128.load(param + o), s)));
    v128.store(slow + o, u);
    v128.store(param + o, u);
  }
  for (; i < n; i++) {
    const o = at(i);
    const s = load<f32>(slow + o);
    const u = s + alpha * (load<f32>(param + o) - s);
    store<f32>(slow + o, u);
    store<f32>(param + o, u);
  }
}
