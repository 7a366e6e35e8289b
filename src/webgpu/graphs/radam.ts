// RAdam's graph: the float32 operation order of assembly/radam.ts. Whether this step rectifies
// changes with t, so it is a 0/1 scalar input selecting between the two updates (one session).
import type { radamSpec, RAdamOptions } from '../../rules/radam';
import type { RuleGraph } from './types';
import { adamMoments, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof radamSpec.coefficients>;

export const radamGraph: RuleGraph<RAdamOptions, Coefficients> = {
  rule: 'radam',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const { p, m, v } = adamMoments(g, param, grad, slots.exp_avg, slots.exp_avg_sq);
    const stepSize = g.scalar('stepSize');
    const rectified = g.sub(p, g.mul(stepSize, g.div(m, g.add(g.sqrt(v), g.scalar('eps')))));
    const plain = g.sub(p, g.mul(stepSize, m));
    return { param: g.where(g.greater(g.scalar('rectify'), 0.5), rectified, plain), slots: { exp_avg: m, exp_avg_sq: v } };
  },
  scalars: (c) => ({ ...withBetaComplements(c), rectify: c.rectify ? 1 : 0 }),
};
