// Adadelta's graph: the float32 operation order of assembly/adadelta.ts (see src/rules/adadelta.ts).
import type { adadeltaSpec, AdadeltaOptions } from '../../rules/adadelta';
import type { RuleGraph } from './types';
import { coupledGrad } from './common';

type Coefficients = ReturnType<typeof adadeltaSpec.coefficients>;

export const adadeltaGraph: RuleGraph<AdadeltaOptions, Coefficients> = {
  rule: 'adadelta',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = coupledGrad(g, grad, param);
    const rho = g.scalar('rho');
    const oneMinusRho = g.scalar('oneMinusRho');
    const eps = g.scalar('eps');
    const v = g.add(g.mul(rho, slots.square_avg), g.mul(g.mul(oneMinusRho, grd), grd));
    const delta = g.mul(g.div(g.sqrt(g.add(slots.acc_delta, eps)), g.sqrt(g.add(v, eps))), grd);
    const u = g.add(g.mul(rho, slots.acc_delta), g.mul(g.mul(oneMinusRho, delta), delta));
    return { param: g.sub(param, g.mul(g.scalar('lr'), delta)), slots: { square_avg: v, acc_delta: u } };
  },
  scalars: (c) => ({ ...c, oneMinusRho: 1 - c.rho }),
};
