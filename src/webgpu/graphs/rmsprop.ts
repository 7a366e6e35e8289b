// RMSprop's graph: the float32 operation order of assembly/rmsprop.ts (see src/rules/rmsprop.ts).
import type { rmspropSpec, RMSpropOptions } from '../../rules/rmsprop';
import type { Value } from '../../onnx/graph';
import type { RuleGraph } from './types';
import { coupledGrad, lerpEma } from './common';

type Coefficients = ReturnType<typeof rmspropSpec.coefficients>;

export const rmspropGraph: RuleGraph<RMSpropOptions, Coefficients> = {
  rule: 'rmsprop',
  variant: (o) => `${o.centered ? 'centered' : 'plain'}${o.momentum > 0 ? '+momentum' : ''}`,
  build(g, { param, grad, slots }, o) {
    const grd = coupledGrad(g, grad, param);
    const oneMinusAlpha = g.scalar('oneMinusAlpha');
    const v = g.add(g.mul(g.scalar('alpha'), slots.square_avg), g.mul(g.mul(oneMinusAlpha, grd), grd));
    const out: Record<string, Value> = { square_avg: v };
    let avg: Value;
    if (o.centered) {
      const a = (out.grad_avg = lerpEma(g, slots.grad_avg, grd, oneMinusAlpha));
      avg = g.add(g.sqrt(g.sub(v, g.mul(a, a))), g.scalar('eps'));
    } else {
      avg = g.add(g.sqrt(v), g.scalar('eps'));
    }
    const lr = g.scalar('lr');
    if (o.momentum > 0) {
      const b = (out.momentum_buffer = g.add(g.mul(g.scalar('momentum'), slots.momentum_buffer), g.div(grd, avg)));
      return { param: g.sub(param, g.mul(lr, b)), slots: out };
    }
    return { param: g.sub(param, g.mul(lr, g.div(grd, avg))), slots: out };
  },
  scalars: (c) => ({ ...c, oneMinusAlpha: 1 - c.alpha }),
};
