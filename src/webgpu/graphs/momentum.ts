// Momentum (lr inside the velocity)'s graph: the float32 operation order of assembly/momentum.ts.
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
