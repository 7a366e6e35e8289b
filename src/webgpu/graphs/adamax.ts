// Adamax's graph: the float32 operation order of assembly/adamax.ts (see src/rules/adamax.ts).
import type { adamaxSpec, AdamaxOptions } from '../../rules/adamax';
import type { RuleGraph } from './types';
import { coupledGrad, lerpEma } from './common';

type Coefficients = ReturnType<typeof adamaxSpec.coefficients>;

export const adamaxGraph: RuleGraph<AdamaxOptions, Coefficients> = {
  rule: 'adamax',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = coupledGrad(g, grad, param);
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const u = g.max(g.mul(g.scalar('beta2'), slots.exp_inf), g.add(g.abs(grd), g.scalar('eps')));
    return { param: g.sub(param, g.mul(g.scalar('clr'), g.div(m, u))), slots: { exp_avg: m, exp_inf: u } };
  },
  scalars: (c) => ({ ...c, oneMinusBeta1: 1 - c.beta1 }),
};
