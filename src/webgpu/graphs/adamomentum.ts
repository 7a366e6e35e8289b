// AdaMomentum's graph: the float32 operation order of assembly/adamomentum.ts (eps inside v, none outside).
import type { adamomentumSpec, AdaMomentumOptions } from '../../rules/adamomentum';
import type { RuleGraph } from './types';
import { lerpEma, withBetaComplements } from './common';

type Coefficients = ReturnType<typeof adamomentumSpec.coefficients>;

export const adamomentumGraph: RuleGraph<AdaMomentumOptions, Coefficients> = {
  rule: 'adamomentum',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), p));
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const v = g.add(g.add(g.mul(g.scalar('beta2'), slots.exp_avg_sq), g.mul(g.mul(g.scalar('oneMinusBeta2'), m), m)), g.scalar('eps'));
    return { param: g.sub(p, g.mul(g.scalar('stepSize'), g.div(m, g.sqrt(v)))), slots: { exp_avg: m, exp_avg_sq: v } };
  },
  scalars: withBetaComplements,
};
