// Rprop (iRprop−)'s graph: the float32 operation order of assembly/rprop.ts. The first step's lazy
// step-size initialization is a 0/1 scalar input, so one session serves every step.
import type { rpropSpec, RpropOptions } from '../../rules/rprop';
import type { RuleGraph } from './types';

type Coefficients = ReturnType<typeof rpropSpec.coefficients>;

export const rpropGraph: RuleGraph<RpropOptions, Coefficients> = {
  rule: 'rprop',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = g.mul(g.scalar('gradSign'), grad);
    const prod = g.mul(grd, slots.prev);
    const factor = g.where(g.greater(prod, 0), g.scalar('etaPlus'), g.where(g.less(prod, 0), g.scalar('etaMinus'), 1));
    const stepPrev = g.where(g.greater(g.scalar('first'), 0.5), g.scalar('lr'), slots.step_size);
    const step = g.min(g.max(g.mul(stepPrev, factor), g.scalar('stepMin')), g.scalar('stepMax'));
    const kept = g.where(g.less(prod, 0), 0, grd);
    return { param: g.sub(param, g.mul(g.sign(kept), step)), slots: { prev: kept, step_size: step } };
  },
  scalars: (c) => ({ ...c, first: c.first ? 1 : 0 }),
};
