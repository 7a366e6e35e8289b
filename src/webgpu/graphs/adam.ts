// Adam's graph (AdamW reuses it): the float32 operation order of assembly/adam.ts.
import type { AdamCoefficients, AdamOptions } from '../../rules/adam';
import type { RuleGraph } from './types';

export const adamGraph: RuleGraph<AdamOptions, AdamCoefficients> = {
  rule: 'adam',
  variant: (o) => (o.amsgrad ? 'amsgrad' : 'plain'),
  build(g, { param, grad, slots }, o) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(g.mul(g.scalar('gradSign'), grad), g.mul(g.scalar('weightDecay'), p));
    const m = g.add(slots.exp_avg, g.mul(g.scalar('oneMinusBeta1'), g.sub(grd, slots.exp_avg)));
    const v = g.add(g.mul(g.scalar('beta2'), slots.exp_avg_sq), g.mul(g.mul(g.scalar('oneMinusBeta2'), grd), grd));
    const out: Record<string, typeof v> = { exp_avg: m, exp_avg_sq: v };
    let vv = v;
    if (o.amsgrad) vv = out.max_exp_avg_sq = g.max(slots.max_exp_avg_sq, v);
    const denom = g.add(g.sqrt(vv), g.scalar('epsHat'));
    return { param: g.sub(p, g.mul(g.scalar('stepSize'), g.div(m, denom))), slots: out };
  },
  scalars: (c) => ({ ...c, oneMinusBeta1: 1 - c.beta1, oneMinusBeta2: 1 - c.beta2 }),
};
