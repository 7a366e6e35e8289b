// Adagrad's graph: the float32 operation order of assembly/adagrad.ts (see src/rules/adagrad.ts).
import type { adagradSpec, AdagradOptions } from '../../rules/adagrad';
import type { RuleGraph } from './types';
import { coupledGrad } from './common';

type Coefficients = ReturnType<typeof adagradSpec.coefficients>;

export const adagradGraph: RuleGraph<AdagradOptions, Coefficients> = {
  rule: 'adagrad',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = coupledGrad(g, grad, param);
    const sum = g.add(slots.sum, g.mul(grd, grd));
    const step = g.mul(g.scalar('clr'), g.div(grd, g.add(g.sqrt(sum), g.scalar('eps'))));
    return { param: g.sub(param, step), slots: { sum } };
  },
  scalars: (c) => ({ ...c }),
};
