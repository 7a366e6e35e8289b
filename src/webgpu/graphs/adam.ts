// Adam's graph (AdamW reuses it): the float32 operation order of assembly/adam.ts.
import type { AdamCoefficients, AdamOptions } from '../../rules/adam';
import type { Value } from '../../onnx/graph';
import type { RuleGraph } from './types';
import { adamMoments, withBetaComplements } from './common';

export const adamGraph: RuleGraph<AdamOptions, AdamCoefficients> = {
  rule: 'adam',
  variant: (o) => (o.amsgrad ? 'amsgrad' : 'plain'),
  build(g, { param, grad, slots }, o) {
    const { p, m, v } = adamMoments(g, param, grad, slots.exp_avg, slots.exp_avg_sq);
    const out: Record<string, Value> = { exp_avg: m, exp_avg_sq: v };
    let vv = v;
    if (o.amsgrad) vv = out.max_exp_avg_sq = g.max(slots.max_exp_avg_sq, v);
    const denom = g.add(g.sqrt(vv), g.scalar('epsHat'));
    return { param: g.sub(p, g.mul(g.scalar('stepSize'), g.div(m, denom))), slots: out };
  },
  scalars: withBetaComplements,
};
