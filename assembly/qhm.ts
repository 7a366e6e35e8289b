// QHM — quasi-hyperbolic momentum (Ma & Yarats 2019), qhoptim's semantics (dampened buffer).
//   p = paramScale * p                           ('direct' decay: 1 - lr * wd; else 1)
//   g = grad + weightDecay * p                   ('grad' decay; 'direct' passes 0)
//   b = beta * b + (1 - beta) * g
//   p = p - (gradCoef * g + bufCoef * b)         (gradCoef = lr (1 - nu), bufCoef = lr nu)
import { at, simdEnd } from './common';

export function qhm_step(
  param: usize, grad: usize, buf: usize, n: i32,
  gradCoef: f32, bufCoef: f32, beta: f32, oneMinusBeta: f32, weightDecay: f32, paramScale: f32,
): void {
  const vGc = f32x4.splat(gradCoef);
  const vBc = f32x4.splat(bufCoef);
  const vB = f32x4.splat(beta);
  const vOmb = f32x4.splat(oneMinusBeta);
  const vWd = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(paramScale);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = f32x4.mul(vScale, v128.load(param + o));
    const g = f32x4.add(v128.load(grad + o), f32x4.mul(vWd, p));
    const b = f32x4.add(f32x4.mul(vB, v128.load(buf + o)), f32x4.mul(vOmb, g));
    v128.store(buf + o, b);
    v128.store(param + o, f32x4.sub(p, f32x4.add(f32x4.mul(vGc, g), f32x4.mul(vBc, b))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = paramScale * load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const b = beta * load<f32>(buf + o) + oneMinusBeta * g;
    store<f32>(buf + o, b);
    store<f32>(param + o, p - (gradCoef * g + bufCoef * b));
  }
}
