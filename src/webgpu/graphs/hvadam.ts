// HVAdam's graphs: the two passes of assembly/hvadam.ts with the group reduction between them.
// Pass 1 updates m, s and the Adam-like term of θ and outputs the four group sums; the host turns
// them into k and the hidden step with the spec's own float64 logic (planHiddenStep); pass 2
// updates v (or re-initializes it to m̂) and applies the hidden-vector term.
// The sums are float32 on the GPU (WebGPU has no float64); the wasm kernel sums exact products in
// float64, so HVAdam's GPU trajectory agrees less tightly than the element-wise rules'.
import { planHiddenStep, type HVAdamCoefficients, type HVAdamOptions, type HVAdamSums } from '../../rules/hvadam';
import type { RuleGraph } from './types';

export const hvadamGraph: RuleGraph<HVAdamOptions, HVAdamCoefficients> = {
  rule: 'hvadam',
  variant: () => '',
  build(g, { param, grad, slots }) {
    const p = g.mul(g.scalar('paramScale'), param);
    const grd = g.add(g.mul(g.scalar('gradSign'), grad), g.mul(g.scalar('weightDecay'), p));
    const m0 = slots.exp_avg;
    const d = g.sub(grd, m0);
    const m = g.add(m0, g.mul(g.scalar('oneMinusBeta1'), d));
    const gm = g.mul(g.scalar('beta1'), d);
    const r = g.mul(gm, gm);
    const v = slots.last_v;
    const gv = g.sub(grd, v);
    const q = g.mul(gv, gv);
    const eta = g.div(q, g.add(g.add(r, g.mul(g.scalar('gamma'), q)), g.scalar('eps')));
    const s = g.add(g.mul(g.scalar('beta2'), slots.exp_avg_var), g.mul(g.mul(g.scalar('oneMinusBeta2'), eta), q));
    const denom = g.add(g.sqrt(g.mul(g.add(s, g.scalar('epsSum')), g.scalar('invBc2'))), g.scalar('eps'));
    const mh = g.mul(m, g.scalar('invBc1'));
    const dv = g.sub(v, mh);
    return {
      param: g.sub(p, g.mul(g.scalar('stepSize'), g.div(m, denom))),
      slots: { exp_avg: m, exp_avg_var: s },
      sums: { mm: g.reduceSum(g.mul(mh, mh)), mv: g.reduceSum(g.mul(mh, v)), vv: g.reduceSum(g.mul(v, v)), dd: g.reduceSum(g.mul(dv, dv)) },
    };
  },
  scalars: (c) => ({ ...(c as unknown as Record<string, number>), oneMinusBeta1: 1 - c.beta1, oneMinusBeta2: 1 - c.beta2 }),
  second: {
    plan(o, c, s, sums) {
      const plan = planHiddenStep(o, c, s, sums as unknown as HVAdamSums);
      if (plan.action === 'skip') return null;
      const reset = plan.action === 'reset';
      return { invBc1: c.invBc1, reset: reset ? 1 : 0, k: plan.k, hiddenStep: plan.hiddenStep, apply: !reset && plan.hiddenStep !== 0 ? 1 : 0 };
    },
    build(g, { param, slots }) {
      const mh = g.mul(slots.exp_avg, g.scalar('invBc1'));
      const v0 = slots.last_v;
      const v = g.where(g.greater(g.scalar('reset'), 0.5), mh, g.add(v0, g.mul(g.scalar('k'), g.sub(mh, v0))));
      const p = g.where(g.greater(g.scalar('apply'), 0.5), g.sub(param, g.mul(g.scalar('hiddenStep'), v)), param);
      return { param: p, slots: { last_v: v } };
    },
  },
};
