// AdaBound / AMSBound's graph: the float32 operation order of assembly/adabound.ts.
import type { adaboundSpec, AdaBoundOptions } from '../../rules/adabound';
import type { Value } from '../../onnx/graph';
import type { RuleGraph } from './types';
import { lerpEma, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof adaboundSpec.coefficients>;

export const adaboundGraph: RuleGraph<AdaBoundOptions, Coefficients> = {
  rule: 'adabound',
  variant: (o) => (o.amsbound ? 'amsbound' : 'plain'),
  build(g, { param, grad, slots }, o) {
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), param));
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const v = g.add(g.mul(g.scalar('beta2'), slots.exp_avg_sq), g.mul(g.mul(g.scalar('oneMinusBeta2'), grd), grd));
    const out: Record<string, Value> = { exp_avg: m, exp_avg_sq: v };
    let vv = v;
    if (o.amsbound) vv = out.max_exp_avg_sq = g.max(slots.max_exp_avg_sq, v);
    const raw = g.div(g.scalar('stepSize'), g.add(g.sqrt(vv), g.scalar('eps')));
    const eta = g.min(g.max(raw, g.scalar('lower')), g.scalar('upper'));
    return { param: g.sub(param, g.mul(eta, m)), slots: out };
  },
  scalars: withBetaComplements,
};
