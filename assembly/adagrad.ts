// Adagrad — torch.optim.Adagrad semantics (eps outside the sqrt).
//   g = sign * grad + weightDecay * p
//   sum = sum + g * g
//   p = p - clr * (g / (sqrt(sum) + eps))        (clr = lr / (1 + (t - 1) * lr_decay), from the host)
import { at, simdEnd } from './common';

export function adagrad_step(
  param: usize, grad: usize, sum: usize, n: i32,
  clr: f32, weightDecay: f32, eps: f32, gradSign: f32,
): void {
  const vClr = f32x4.splat(clr);
  const vWd = f32x4.splat(weightDecay);
  const vEps = f32x4.splat(eps);
  const vSign = f32x4.splat(gradSign);
  const end = simdEnd(n);
  let i = 0;
  for (; i < end; i += 4) {
    const o = at(i);
    const p = v128.load(param + o);
    const g = f32x4.add(f32x4.mul(vSign, v128.load(grad + o)), f32x4.mul(vWd, p));
    const s = f32x4.add(v128.load(sum + o), f32x4.mul(g, g));
    v128.store(sum + o, s);
    const std = f32x4.add(f32x4.sqrt(s), vEps);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(vClr, f32x4.div(g, std))));
  }
  for (; i < n; i++) {
    const o = at(i);
    const p = load<f32>(param + o);
    const g = gradSign * load<f32>(grad + o) + weightDecay * p;
    const s = load<f32>(sum + o) + g * g;
    store<f32>(sum + o, s);
    store<f32>(param + o, p - clr * (g / (Mathf.sqrt(s) + eps)));
  }
}
