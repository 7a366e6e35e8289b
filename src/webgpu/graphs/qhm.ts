// QHM's graph: the float32 operation order of assembly/qhm.ts (qhoptim's dampened buffer).
import type { qhmSpec, QHMOptions } from '../../rules/qhm';
import type { RuleGraph } from './types';

type Coefficients = ReturnType<typeof qhmSpec.coefficients>;

export const qhmGraph: RuleGraph<QHMOptions, Coefficients> = {
  rule: 'qhm',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(grad, g.mul(g.scalar('weightDecay'), p));
    const b = g.add(g.mul(g.scalar('beta'), slots.momentum_buffer), g.mul(g.scalar('oneMinusBeta'), grd));
    const step = g.add(g.mul(g.scalar('gradCoef'), grd), g.mul(g.scalar('bufCoef'), b));
    return { param: g.sub(p, step), slots: { momentum_buffer: b } };
  },
  scalars: (c) => ({ ...c, oneMinusBeta: 1 - c.beta }),
};
