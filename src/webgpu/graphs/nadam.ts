// NAdam's graph: the float32 operation order of assembly/nadam.ts. The momentum schedule (and
// its running product, a group scalar) stays in the spec's coefficients.
import type { nadamSpec, NAdamOptions } from '../../rules/nadam';
import type { RuleGraph } from './types';
import { adamMoments, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof nadamSpec.coefficients>;

export const nadamGraph: RuleGraph<NAdamOptions, Coefficients> = {
  rule: 'nadam',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const { p, grd, m, v } = adamMoments(g, param, grad, slots.exp_avg, slots.exp_avg_sq);
    const denom = g.add(g.mul(g.sqrt(v), g.scalar('invBc2Sqrt')), g.scalar('eps'));
    const num = g.add(g.mul(g.scalar('gradStep'), grd), g.mul(g.scalar('momStep'), m));
    return { param: g.sub(p, g.div(num, denom)), slots: { exp_avg: m, exp_avg_sq: v } };
  },
  scalars: withBetaComplements,
};
