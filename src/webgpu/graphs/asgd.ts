// ASGD's graph: the float32 operation order of assembly/asgd.ts. Whether the average copies θ
// (while μ = 1) is a 0/1 scalar input; η and μ evolve in the spec's group scalars.
import type { asgdSpec, ASGDOptions } from '../../rules/asgd';
import type { RuleGraph } from './types';

type Coefficients = ReturnType<typeof asgdSpec.coefficients>;

export const asgdGraph: RuleGraph<ASGDOptions, Coefficients> = {
  rule: 'asgd',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = g.add(g.mul(g.scalar('gradSign'), grad), g.mul(g.scalar('weightDecay'), param));
    const p = g.sub(g.mul(param, g.scalar('decay')), g.mul(g.scalar('eta'), grd));
    const a = slots.ax;
    const blended = g.add(a, g.mul(g.sub(p, a), g.scalar('mu')));
    return { param: p, slots: { ax: g.where(g.greater(g.scalar('copyAverage'), 0.5), p, blended) } };
  },
  scalars: (c) => ({ ...c, copyAverage: c.copyAverage ? 1 : 0 }),
};
