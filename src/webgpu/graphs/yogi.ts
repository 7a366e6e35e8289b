// Yogi's graph: the float32 operation order of assembly/yogi.ts (sign(0) = 0, as ONNX Sign).
import type { yogiSpec, YogiOptions } from '../../rules/yogi';
import type { RuleGraph } from './types';
import { lerpEma, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof yogiSpec.coefficients>;

export const yogiGraph: RuleGraph<YogiOptions, Coefficients> = {
  rule: 'yogi',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), param));
    const g2 = g.mul(grd, grd);
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const v0 = slots.exp_avg_sq;
    const v = g.sub(v0, g.mul(g.mul(g.scalar('oneMinusBeta2'), g.sign(g.sub(v0, g2))), g2));
    const den = g.add(g.mul(g.sqrt(v), g.scalar('denScale')), g.scalar('eps'));
    return { param: g.sub(param, g.mul(g.scalar('stepSize'), g.div(m, den))), slots: { exp_avg: m, exp_avg_sq: v } };
  },
  scalars: withBetaComplements,
};
