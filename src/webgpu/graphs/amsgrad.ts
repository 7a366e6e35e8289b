// AMSGrad (Reddi et al., no bias correction)'s graph: the float32 operation order of assembly/amsgrad.ts.
import type { amsgradSpec, AMSGradOptions } from '../../rules/amsgrad';
import type { RuleGraph } from './types';
import { coupledGrad, lerpEma } from './common';

type Coefficients = ReturnType<typeof amsgradSpec.coefficients>;

export const amsgradGraph: RuleGraph<AMSGradOptions, Coefficients> = {
  rule: 'amsgrad',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const grd = coupledGrad(g, grad, param);
    const m = lerpEma(g, slots.exp_avg, grd, g.scalar('oneMinusBeta1'));
    const v = g.add(g.mul(g.scalar('beta2'), slots.exp_avg_sq), g.mul(g.mul(g.scalar('oneMinusBeta2'), grd), grd));
    const vmax = g.max(slots.max_exp_avg_sq, v);
    const step = g.mul(g.scalar('lr'), g.div(m, g.add(g.sqrt(vmax), g.scalar('eps'))));
    return { param: g.sub(param, step), slots: { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax } };
  },
  scalars: (c) => ({ ...c, oneMinusBeta1: 1 - c.beta1, oneMinusBeta2: 1 - c.beta2 }),
};
