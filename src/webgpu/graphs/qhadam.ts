// QHAdam's graph (QHAdamW reuses it): the float32 operation order of assembly/qhadam.ts.
import type { QHAdamCoefficients, QHAdamOptions } from '../../rules/qhadam';
import type { RuleGraph } from './types';
import { lerpEma } from './common';

export const qhadamGraph: RuleGraph<QHAdamOptions, QHAdamCoefficients> = {
  rule: 'qhadam',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), p));
    const g2 = g.mul(grd, grd);
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1Adj'));
    const v = g.add(g.mul(g.scalar('beta2Adj'), slots.exp_avg_sq), g.mul(g.scalar('oneMinusBeta2Adj'), g2));
    const num = g.add(g.mul(g.scalar('nu1'), m), g.mul(g.scalar('oneMinusNu1'), grd));
    const den = g.add(g.sqrt(g.add(g.mul(g.scalar('nu2'), v), g.mul(g.scalar('oneMinusNu2'), g2))), g.scalar('eps'));
    return { param: g.sub(p, g.mul(g.scalar('lr'), g.div(num, den))), slots: { exp_avg: m, exp_avg_sq: v } };
  },
  scalars: (c) => ({ ...c, oneMinusBeta2Adj: 1 - c.beta2Adj, oneMinusNu1: 1 - c.nu1, oneMinusNu2: 1 - c.nu2 }),
};

export const qhadamwGraph: RuleGraph<QHAdamOptions, QHAdamCoefficients> = { ...qhadamGraph, rule: 'qhadamw' };
