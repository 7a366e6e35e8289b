// Adamax — torch.optim.Adamax semantics (eps inside the max).
//   g = sign * grad + weightDecay * p
//   m = m + (1 - b1) * (g - m)
//   u = max(b2 * u, |g| + eps)
//   p = p - clr * (m / u)                        (clr = lr / (1 - b1^t), from the host)
import { at, simdEnd } from './common';

export function adamax_step(
  param: usize, grad: usize, expAvg: usize, expInf: usize, n: i32,
  clr: f32, oneMinusBeta1: f32, beta2: f32, eps: f32, weightDecay: f32, gradSign: f32,
): void {
  const vClr = f32x4.splat(clr);
  const vOmb1 = f32x4.splat(oneMinusBeta1);
  const vB2 = f32x4.splat(beta2);
  const vEps = f32x4.splat(eps);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    let m = v128.load(expAvg + o);
    m = f32x4.add(m, f32x4.mul(vOmb1, f32x4.sub(g, m)));
    const u = f32x4.max(f32x4.mul(vB2, v128.load(expInf + o)), f32x4.add(f32x4.abs(g), vEps));
    v128.store(expAvg + o, m);
    v128.store(expInf + o, u);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vClr, f32x4.div(m, u))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    let m = load<f32>(expAvg + o);
    m = m + oneMinusBeta1 * (g - m);
    const u = max(beta2 * load<f32>(expInf + o), Mathf.abs(g) + eps);
    store<f32>(expAvg + o, m);
    store<f32>(expInf + o, u);
    store<f32>(param + o, p - clr * (m / u));
  }
}
