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
