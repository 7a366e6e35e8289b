// AdaBelief's graph: the float32 operation order of assembly/adabelief.ts. The plain, rectified and
// SGD-fallback steps differ only in the scalars (denScale, epsDen), so one session serves all.
import type { adabeliefSpec, AdaBeliefOptions } from '../../rules/adabelief';
import type { Value } from '../../onnx/graph';
import type { RuleGraph } from './types';
import { lerpEma, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof adabeliefSpec.coefficients>;

export const adabeliefGraph: RuleGraph<AdaBeliefOptions, Coefficients> = {
  rule: 'adabelief',
  variant: (o) => (o.amsgrad ? 'amsgrad' : 'plain'),
  build(g, { param, grad, slots }, o) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), p));
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const d = g.sub(grd, m);
    const s = g.add(g.add(g.mul(g.scalar('beta2'), slots.exp_avg_var), g.mul(g.mul(g.scalar('oneMinusBeta2'), d), d)), g.scalar('eps'));
    const out: Record<string, Value> = { exp_avg: m, exp_avg_var: s };
    let ss = s;
    if (o.amsgrad) ss = out.max_exp_avg_var = g.max(slots.max_exp_avg_var, s);
    const den = g.add(g.mul(g.sqrt(ss), g.scalar('denScale')), g.scalar('epsDen'));
    return { param: g.sub(p, g.mul(g.scalar('stepSize'), g.div(m, den))), slots: out };
  },
  scalars: withBetaComplements,
};
