// ASGD — torch.optim.ASGD semantics (single-tensor path).
//   g = sign * grad + weightDecay * p            (the decay term uses θ before this step)
//   p = p * (1 - lambd * eta) - eta * g          (eta, mu: the values from the previous step)
//   ax = copyAverage ? p : ax + mu * (p - ax)    (torch copies while mu = 1)
import { at, nmadd, simdEnd } from './common';

export function asgd_step(
  param: usize, grad: usize, ax: usize, n: i32,
  eta: f32, decay: f32, weightDecay: f32, gradSign: f32, mu: f32, copyAverage: bool,
): void {
  const vEta = f32x4.splat(eta);
  const vDecay = f32x4.splat(decay);
  const vWd = f32x4.splat(weightDecay);
  const vSign = f32x4.splat(gradSign);
  const vMu = f32x4.splat(mu);
  const end = simdEnd(n);
  let i = 0;
  if (copyAverage) {
    for (; i < end; i += 4) {
      const o = at(i);
      const p0 = v128.load(param + o);
      const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p0));
      // torch: param.add_(grad, alpha=-eta), a fused multiply-add on CPUs with FMA.
      const p = nmadd(vEta, g, f32x4.mul(p0, vDecay));
      v128.store(param + o, p);
      v128.store(ax + o, p);
    }
  } else {
    for (; i < end; i += 4) {
      const o = at(i);
      const p0 = v128.load(param + o);
      const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p0));
      const p = nmadd(vEta, g, f32x4.mul(p0, vDecay));
      v128.store(param + o, p);
      const a = v128.load(ax + o);
      v128.store(ax + o, f32x4.add(a, f32x4.mul(f32x4.sub(p, a), vMu)));
    }
  }
  for (; i < n; i++) {
    const o = at(i);
    const p0 = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p0;
    const p = p0 * decay - eta * g;
    store<f32>(param + o, p);
    if (copyAverage) {
      store<f32>(ax + o, p);
    } else {
      const a = load<f32>(ax + o);
      store<f32>(ax + o, a + (p - a) * mu);
    }
  }
}
