// SGD's graph: the same float32 operation order as assembly/sgd.ts (see src/rules/sgd.ts).
import type { SGDOptions, sgdSpec } from '../../rules/sgd';
import type { GraphResult, RuleGraph } from './types';

type SGDCoefficients = ReturnType<typeof sgdSpec.coefficients>;

export const sgdGraph: RuleGraph<SGDOptions, SGDCoefficients> = {
  rule: 'sgd',
  variant: (o) => (o.momentum === 0 ? 'plain' : o.nesterov ? 'nesterov' : 'momentum'),
  build(g, { param, grad, slots }, o): GraphResult {
    const lr = g.scalar('lr');
    const grd = g.add(g.mul(g.scalar('gradSign'), grad), g.mul(g.scalar('weightDecay'), param));
    if (o.momentum === 0) return { param: g.sub(param, g.mul(lr, grd)), slots: {} };
    const buf = g.add(g.mul(g.scalar('bufDecay'), slots.momentum_buffer), g.mul(g.scalar('bufGradScale'), grd));
    const d = o.nesterov ? g.add(grd, g.mul(g.scalar('momentum'), buf)) : buf;
    return { param: g.sub(param, g.mul(lr, d)), slots: { momentum_buffer: buf } };
  },
  scalars: (c) => ({ ...c }),
};
