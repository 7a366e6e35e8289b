// Pieces most rule graphs share, in the kernels' float32 operation order.
import type { GraphBuilder, Value } from '../../onnx/graph';

/** g = gradSign · grad + weightDecay · p: maximize's sign, then coupled (L2) weight decay. */
export function coupledGrad(g: GraphBuilder, grad: Value, p: Value): Value {
  return g.add(g.mul(g.scalar('gradSign'), grad), g.mul(g.scalar('weightDecay'), p));
}

/** m + (1 − β) (x − m), the lerp form of an exponential moving average (`oneMinus` = 1 − β). */
export function lerpEma(g: GraphBuilder, m: Value, x: Value, oneMinus: Value): Value {
  return g.add(m, g.mul(oneMinus, g.sub(x, m)));
}

/**
 * The Adam-family prelude shared by several kernels: p = paramScale · θ, the coupled gradient,
 * m = lerp-EMA with (1 − β1), v = β2 v + ((1 − β2) g) g. Scalars: paramScale, gradSign,
 * weightDecay, oneMinusBeta1, beta2, oneMinusBeta2.
 */
export function adamMoments(g: GraphBuilder, param: Value, grad: Value, m0: Value, v0: Value): { p: Value; grd: Value; m: Value; v: Value } {
  const p = g.mul(g.scalar('paramScale'), param);
  const grd = coupledGrad(g, grad, p);
  const m = lerpEma(g, m0, grd, g.scalar('oneMinusBeta1'));
  const v = g.add(g.mul(g.scalar('beta2'), v0), g.mul(g.mul(g.scalar('oneMinusBeta2'), grd), grd));
  return { p, grd, m, v };
}

/** The betas' complements every Adam-family graph takes as inputs. */
export const withBetaComplements = (c: { readonly beta1: number; readonly beta2: number }): Record<string, number> => ({
  ...(c as Record<string, number>),
  oneMinusBeta1: 1 - c.beta1,
  oneMinusBeta2: 1 - c.beta2,
});
