// Momentum and NAG (lr inside the velocity): the float32 operation order of assembly/momentum.ts and nag.ts.
import type { MomentumCoefficients, MomentumOptions } from '../../rules/momentum';
import type { RuleGraph } from './types';
import { coupledGrad } from './common';

export const momentumGraph: RuleGraph<MomentumOptions, MomentumCoefficients> = {
  rule: 'momentum',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = coupledGrad(g, grad, param);
    const v = g.add(g.mul(g.scalar('momentum'), slots.velocity), g.mul(g.scalar('lr'), grd));
    return { param: g.sub(param, v), slots: { velocity: v } };
  },
  scalars: (c) => ({ ...c }),
};

/** NAG on the look-ahead parameters (assembly/nag.ts): the same velocity, a Nesterov step. */
export const nagGraph: RuleGraph<MomentumOptions, MomentumCoefficients> = {
  rule: 'nag',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const step = g.mul(g.scalar('lr'), coupledGrad(g, grad, param));
    const momentum = g.scalar('momentum');
    const v = g.add(g.mul(momentum, slots.velocity), step);
    return { param: g.sub(param, g.add(g.mul(momentum, v), step)), slots: { velocity: v } };
  },
  scalars: (c) => ({ ...c }),
};
