/**
 * Rprop, resilient backpropagation (Riedmiller & Braun 1993) in the iRprop− variant of Igel &
 * Hüsken (2000) — torch.optim.Rprop (torch >= 2.0; unchanged since 1.13).
 *
 *   g_t = ±∇f(θ_{t-1})                                   (− when maximize; no weight decay)
 *   s   = sign(g_t · g_{t-1}^stored)                    (sign(0) = 0; torch's CPU sign(NaN) = 0 too)
 *   η_t = clamp(η_{t-1} · (η+ if s > 0, η− if s < 0, 1 if s = 0), Γmin, Γmax)
 *   g'_t = 0 if s < 0, else g_t                         (iRprop−: forget the gradient after a sign change)
 *   θ_t = θ_{t-1} − η_t · sign(g'_t)
 *   g_t^stored = g'_t                                   (slot `prev`)
 *
 * Convention: torch's iRprop− — on a sign change the step shrinks, that gradient is zeroed, the
 * parameter does not move this step, and the next step sees a product of 0 (so the step size is
 * left alone once); no weight backtracking (that is Rprop+/iRprop+). `lr` only initializes the
 * per-element step sizes η_0: like torch's lazy state initialization, the first step starts from
 * the group's lr at that moment, later lr changes have no effect. `etas` = [η−, η+] with
 * 0 < η− < 1 < η+; `stepSizes` = [Γmin, Γmax] (torch does not check them; here 0 <= Γmin <= Γmax).
 * Element-wise signs use comparisons (x > 0) − (x < 0), as torch's CPU kernel does, so padding
 * (param = grad = prev = 0) never moves. State slots: `prev`, `step_size` (initially lr).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkBoolean, checkLr } from '../validate';

export interface RpropOptions {
  lr: number;
  /** [η−, η+]: multiplicative decrease and increase factors. */
  etas: [number, number];
  /** [Γmin, Γmax]: bounds of the per-element step size. */
  stepSizes: [number, number];
  maximize: boolean;
}

interface RpropCoefficients {
  /** True on the first step: step sizes start from the current lr (torch's lazy init). */
  readonly first: boolean;
  readonly lr: number;
  readonly etaMinus: number;
  readonly etaPlus: number;
  readonly stepMin: number;
  readonly stepMax: number;
  readonly gradSign: number;
}

const isPair = (x: unknown): x is [unknown, unknown] => Array.isArray(x) && x.length === 2;

function checkEtas(etas: unknown): void {
  if (!isPair(etas)) throw new InvalidOptionError(`Invalid eta values: expected a pair [etaminus, etaplus], got ${String(etas)}`);
  const [minus, plus] = etas;
  if (typeof minus !== 'number' || typeof plus !== 'number' || !(0 < minus && minus < 1 && 1 < plus)) {
    throw new InvalidOptionError(`Invalid eta values: ${String(minus)}, ${String(plus)}`);
  }
}

function checkStepSizes(stepSizes: unknown): void {
  if (!isPair(stepSizes)) {
    throw new InvalidOptionError(`Invalid step_sizes: expected a pair [min, max], got ${String(stepSizes)}`);
  }
  const [lo, hi] = stepSizes;
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(0 <= lo && lo <= hi)) {
    throw new InvalidOptionError(`Invalid step_sizes: ${String(lo)}, ${String(hi)} (expected 0 <= min <= max)`);
  }
}

/** torch's CPU sign: (x > 0) − (x < 0), so sign(0) = sign(NaN) = 0. */
const sign = (x: number): number => (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);

export const rpropSpec: RuleSpec<RpropOptions, RpropCoefficients> = {
  name: 'rprop',
  defaults: { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false },
  validate(o) {
    checkLr(o.lr);
    checkEtas(o.etas);
    checkStepSizes(o.stepSizes);
    checkBoolean('maximize', o.maximize);
  },
  slots: (o) => [{ name: 'prev' }, { name: 'step_size', init: o.lr }],
  coefficients(o, s) {
    return {
      first: s.step === 1,
      lr: o.lr,
      etaMinus: o.etas[0],
      etaPlus: o.etas[1],
      stepMin: o.stepSizes[0],
      stepMax: o.stepSizes[1],
      gradSign: o.maximize ? -1 : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.rprop_step(
      ptr.param, ptr.grad, ptr.prev, ptr.step_size, n,
      c.lr, c.etaMinus, c.etaPlus, c.stepMin, c.stepMax, c.gradSign, c.first ? 1 : 0,
    );
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const { prev, step_size: stepSize } = slots;
    for (let i = 0; i < param.length; i++) {
      const g = c.gradSign * grad[i];
      const s = sign(g * prev[i]);
      const factor = s > 0 ? c.etaPlus : s < 0 ? c.etaMinus : 1;
      const eta = Math.min(Math.max((c.first ? c.lr : stepSize[i]) * factor, c.stepMin), c.stepMax);
      const gKept = s < 0 ? 0 : g;
      param[i] -= sign(gKept) * eta;
      stepSize[i] = eta;
      prev[i] = gKept;
    }
  },
};

/** Rprop (torch.optim.Rprop, iRprop−): per-element step sizes adapted from gradient signs. */
export class Rprop extends Optimizer<RpropOptions, RpropCoefficients> {
  constructor(params: ParamsInput<RpropOptions>, options: OptimizerOptions<RpropOptions> = {}) {
    super(rpropSpec, params, options);
  }
}
