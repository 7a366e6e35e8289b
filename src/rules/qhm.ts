/**
 * QHM, quasi-hyperbolic momentum (Ma & Yarats 2019, "Quasi-hyperbolic momentum and Adam for deep
 * learning", ICLR 2019), with qhoptim's conventions (`qhoptim.pyt.QHM`).
 *
 *   g_t = ∇f(θ_{t-1}) + λ θ_{t-1}                        (weightDecayType 'grad': coupled L2)
 *   θ'  = θ_{t-1} (1 − α λ)                              (weightDecayType 'direct', instead)
 *   b_t = β b_{t-1} + (1 − β) g_t                        (b_0 = 0: a dampened buffer)
 *   θ_t = θ' − α [(1 − ν) g_t + ν b_t]                   (α = lr, β = momentum, ν = nu)
 *
 * Convention: the buffer is dampened and starts at zero, so QHM(α, β, ν = 1) is torch's SGD with
 * momentum β and lr α(1 − β) (torch copies the first gradient into its undampened buffer; the two
 * agree exactly), ν = β is torch's Nesterov form, and ν = 0 is plain SGD with lr α.
 * `lr` has no default, as in qhoptim: a QHM lr is a dampened lr (1/(1 − β) times an SGD-momentum
 * lr) and no single value is safe. `momentum` = 0.999 and `nu` = 0.7 default to the paper's
 * suggested starting point (qhoptim requires them). `nu` may be any real number (conversions can
 * give ν > 1 or ν < 0); `momentum` must be >= 0, as in qhoptim. State slot: `momentum_buffer`.
 *
 * Conversions (the static methods, also exported as plain functions) return `{ lr, momentum, nu }`.
 * Derivation: eliminating the buffer, QHM's iterates obey
 *   θ_{t+2} = (1 + β) θ_{t+1} − β θ_t − α(1 − νβ) g_{t+1} + αβ(1 − ν) g_t,
 * a second-order linear recurrence with poles 1 and β started at rest (b_0 = 0). Writing another
 * method's iterates (the points where it evaluates gradients) the same way and matching the four
 * coefficients gives each closed form; with equal recurrences and equal first two iterates the
 * trajectories coincide on any objective. Each is checked against a simulation of the original
 * algorithm in test/rules/qhm.test.ts.
 * - Two-state optimizer (TSO): a_{t+1} = h a_t + k θ_t + l g_t, θ_{t+1} = m a_t + q θ_t + z g_t
 *   gives θ_{t+2} = (h + q) θ_{t+1} + (km − hq) θ_t + z g_{t+1} + (ml − hz) g_t. A pole at 1 needs
 *   (1 − h)(1 − q) = km (checked); then β = h + q − 1, and matching the gradient terms gives
 *   α = (ml + z(1 − h)) / (β − 1),  ν = (ml + z(β − h)) / (β (ml + z(1 − h))).
 *   It starts at rest when m a_0 = (1 − q) θ_0. qhoptim's `from_two_state_optimizer` has the same
 *   α and β but a ν that differs from this one (and from its own `from_accsgd`) when q ≠ 1 or k ≠ 0;
 *   the formula here reproduces the TSO recurrence, qhoptim's does not.
 * - PID (Recht 2018): e_t = −∇f(θ_t), w_{t+1} = w_t + e_t, a filtered derivative
 *   v_t = ρ v_{t-1} + (1 − ρ)(e_t − e_{t-1}), θ_{t+1} = θ_0 + k_P e_t + k_I w_{t+1} + k_D v_t.
 *   Its transfer function has poles 1, ρ and 0; the pole at 0 cancels (two states, so QHM can
 *   match) exactly when ρ = k_D / (k_D − k_P). Then β = ρ, α = k_I (the sum of the gradient
 *   coefficients is α(1 − β) = k_I(1 − ρ)), and ν = k_P² / (k_I k_D).
 * - Synthesized Nesterov (Lessard et al. 2016, §6): ξ_{t+1} = ξ_t + β1(ξ_t − ξ_{t-1}) − a ∇f(y_t),
 *   y_t = ξ_t + β2(ξ_t − ξ_{t-1}). Its gradient points y_t follow the recurrence with poles 1, β1
 *   and gradient terms −a(1 + β2) g_{t+1} + aβ2 g_t, so β = β1, α = a / (1 − β1),
 *   ν = 1 − β2 (1 − β1) / β1.
 * - Robust Momentum (Cyrus et al. 2018) is synthesized Nesterov with a = κ(1 − ρ)²(1 + ρ)/L,
 *   β1 = κρ³/(κ − 1), β2 = ρ³/((κ − 1)(1 − ρ)²(1 + ρ)); ρ = 1 − 1/√κ gives Triple Momentum
 *   (Van Scoy et al. 2018: a = (1 + ρ)/L, β1 = ρ²/(2 − ρ), β2 = ρ²/((1 + ρ)(2 − ρ))).
 * - AccSGD (Kidambi et al. 2018, with 0.7 generalised to ε): with c = 1 − ε²ξ/κ,
 *   w̄_{t+1} = c w̄_t + (1 − c)(w_t − (κδ/ε) g_t),
 *   w_{t+1} = (ε (w_t − δ g_t) + (1 − c) w̄_{t+1}) / (ε + 1 − c), w̄_0 = w_0.
 *   This is a TSO satisfying the condition; simplifying the TSO formulas gives
 *   α = δε(1 + ξ)/(1 + ε), ν = (εξ − 1)/(ε(1 + ξ)), β = (κ − ε²ξ)/(κ + εξ) (qhoptim's values).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import { InvalidOptionError } from '../errors';
import type { RuleSpec } from './spec';
import { checkLr, checkMomentum, checkWeightDecay } from '../validate';

export type QHMWeightDecayType = 'grad' | 'direct';

export interface QHMOptions {
  /** α: required (qhoptim has no default). */
  lr: number;
  /** β, the buffer's decay (dampened). */
  momentum: number;
  /** ν, the immediate discount: 0 is plain SGD, 1 is (dampened) momentum. */
  nu: number;
  weightDecay: number;
  /** 'grad': add λθ to the gradient (coupled L2); 'direct': θ *= 1 − αλ before the update. */
  weightDecayType: QHMWeightDecayType;
}

interface QHMCoefficients {
  /** α(1 − ν). */
  readonly gradCoef: number;
  /** αν. */
  readonly bufCoef: number;
  readonly beta: number;
  readonly weightDecay: number;
  readonly paramScale: number;
}

/** The QHM hyperparameters a conversion produces. */
export interface QHMParams {
  lr: number;
  momentum: number;
  nu: number;
}

function requireFinite(what: string, x: unknown): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new InvalidOptionError(`Invalid ${what}: ${String(x)} (expected a finite number)`);
  }
}

function requireNonZero(what: string, x: number, why: string): void {
  if (x === 0) throw new InvalidOptionError(`Invalid ${what}: it is 0, but ${why}`);
}

export const qhmSpec: RuleSpec<QHMOptions, QHMCoefficients> = {
  name: 'qhm',
  defaults: { lr: Number.NaN, momentum: 0.999, nu: 0.7, weightDecay: 0, weightDecayType: 'grad' },
  validate(o) {
    if (typeof o.lr === 'number' && Number.isNaN(o.lr)) {
      throw new InvalidOptionError(
        'QHM needs an explicit lr (qhoptim has no default; its examples use lr=1.0 with momentum=0.999, nu=0.7)',
      );
    }
    checkLr(o.lr);
    checkMomentum(o.momentum);
    requireFinite('nu value', o.nu);
    checkWeightDecay(o.weightDecay);
    if (o.weightDecayType !== 'grad' && o.weightDecayType !== 'direct') {
      throw new InvalidOptionError(`Invalid weight_decay_type value: ${String(o.weightDecayType)} (expected 'grad' or 'direct')`);
    }
  },
  slots: () => [{ name: 'momentum_buffer' }],
  coefficients(o) {
    const direct = o.weightDecayType === 'direct';
    return {
      gradCoef: o.lr * (1 - o.nu),
      bufCoef: o.lr * o.nu,
      beta: o.momentum,
      weightDecay: direct ? 0 : o.weightDecay,
      paramScale: direct ? 1 - o.lr * o.weightDecay : 1,
    };
  },
  wasmStep(k, ptr, n, _o, c) {
    k.qhm_step(ptr.param, ptr.grad, ptr.momentum_buffer, n, c.gradCoef, c.bufCoef, c.beta, 1 - c.beta, c.weightDecay, c.paramScale);
  },
  referenceStep({ param, grad, slots }, _o, c) {
    const buf = slots.momentum_buffer;
    for (let i = 0; i < param.length; i++) {
      const p = c.paramScale * param[i];
      const g = grad[i] + c.weightDecay * p;
      buf[i] = c.beta * buf[i] + (1 - c.beta) * g;
      param[i] = p - (c.gradCoef * g + c.bufCoef * buf[i]);
    }
  },
};

/** QHM for the two-state optimizer a' = h a + k θ + l g, θ' = m a + q θ + z g (see the doc comment). */
export function qhmFromTwoStateOptimizer(tso: { h: number; k: number; l: number; m: number; q: number; z: number }): QHMParams {
  const { h, k, l, m, q, z } = tso;
  for (const [name, x] of Object.entries({ h, k, l, m, q, z })) requireFinite(`two-state coefficient ${name}`, x);
  const gap = (1 - h) * (1 - q) - k * m;
  if (Math.abs(gap) > 1e-10 * Math.max(1, Math.abs(h), Math.abs(q), Math.abs(k * m))) {
    throw new InvalidOptionError(
      `This two-state optimizer is not recoverable by QHM: (1 - h)(1 - q) must equal k*m (a pole at 1), got ${(1 - h) * (1 - q)} and ${k * m}`,
    );
  }
  const beta = h + q - 1;
  if (beta === 1) throw new InvalidOptionError('This two-state optimizer has a double pole at 1 (h + q = 2); QHM cannot recover it');
  const gradSum = m * l + z * (1 - h);
  if (beta === 0) {
    // QHM with momentum 0 is SGD whatever nu is; the TSO must then take no step from g_{t-1}.
    if (Math.abs(m * l - h * z) > 1e-12 * Math.max(1, Math.abs(m * l), Math.abs(h * z))) {
      throw new InvalidOptionError('This two-state optimizer has momentum 0 but uses the previous gradient; QHM cannot recover it');
    }
    return { lr: -z, momentum: 0, nu: 1 };
  }
  requireNonZero('two-state optimizer', gradSum, 'QHM needs m*l + z*(1 - h) != 0 (a nonzero learning rate)');
  return { lr: gradSum / (beta - 1), momentum: beta, nu: (m * l + z * (beta - h)) / (beta * gradSum) };
}

/** QHM for Recht's (2018) PID optimizer with the derivative filter k_D / (k_D − k_P) (see the doc comment). */
export function qhmFromPid(pid: { kP: number; kI: number; kD: number }): QHMParams {
  const { kP, kI, kD } = pid;
  requireFinite('kP', kP);
  requireFinite('kI', kI);
  requireFinite('kD', kD);
  requireNonZero('kI', kI, 'QHM needs an integral gain');
  requireNonZero('kD', kD, 'QHM needs a derivative gain (kD = 0 is PI control with no filter)');
  if (kD === kP) throw new InvalidOptionError('Invalid PID gains: kD must differ from kP');
  return { lr: kI, momentum: kD / (kD - kP), nu: (kP * kP) / (kI * kD) };
}

/** QHM for the synthesized Nesterov method of Lessard et al. (2016, §6). */
export function qhmFromSynthesizedNesterov(sn: { alpha: number; beta1: number; beta2: number }): QHMParams {
  const { alpha, beta1, beta2 } = sn;
  requireFinite('alpha', alpha);
  requireFinite('beta1', beta1);
  requireFinite('beta2', beta2);
  requireNonZero('beta1', beta1, 'nu = 1 - beta2 (1 - beta1) / beta1 needs beta1 != 0');
  if (beta1 === 1) throw new InvalidOptionError('Invalid beta1: 1 (QHM needs beta1 != 1)');
  return { lr: alpha / (1 - beta1), momentum: beta1, nu: 1 - ((1 - beta1) / beta1) * beta2 };
}

/** QHM for Robust Momentum (Cyrus et al. 2018), or Triple Momentum (Van Scoy et al. 2018) when `rho` is omitted. */
export function qhmFromRobustMomentum(rm: { l: number; kappa: number; rho?: number }): QHMParams {
  const { l, kappa } = rm;
  requireFinite('l (Lipschitz constant)', l);
  requireFinite('kappa (condition ratio)', kappa);
  if (!(l > 0)) throw new InvalidOptionError(`Invalid l (Lipschitz constant): ${l} (expected l > 0)`);
  if (!(kappa > 1)) throw new InvalidOptionError(`Invalid kappa (condition ratio): ${kappa} (expected kappa > 1)`);
  const rho = rm.rho ?? 1 - 1 / Math.sqrt(kappa);
  requireFinite('rho', rho);
  if (!(rho > 0 && rho < 1)) throw new InvalidOptionError(`Invalid rho: ${rho} (expected 0 < rho < 1)`);
  const alpha = (kappa * (1 - rho) ** 2 * (1 + rho)) / l;
  const beta1 = (kappa * rho ** 3) / (kappa - 1);
  const beta2 = rho ** 3 / ((kappa - 1) * (1 - rho) ** 2 * (1 + rho));
  return qhmFromSynthesizedNesterov({ alpha, beta1, beta2 });
}

/** QHM for AccSGD (Kidambi et al. 2018); `eps` (their 0.7) must lie in (0, 1). */
export function qhmFromAccSgd(acc: { delta: number; kappa: number; xi: number; eps?: number }): QHMParams {
  const { delta, kappa, xi } = acc;
  const eps = acc.eps ?? 0.7;
  requireFinite('delta (short step)', delta);
  requireFinite('kappa (long step parameter)', kappa);
  requireFinite('xi (statistical advantage parameter)', xi);
  requireFinite('eps', eps);
  if (!(eps > 0 && eps < 1)) throw new InvalidOptionError(`Invalid eps: ${eps} (expected 0 < eps < 1)`);
  if (!(kappa > 0)) throw new InvalidOptionError(`Invalid kappa (long step parameter): ${kappa} (expected kappa > 0)`);
  if (!(xi > 0)) throw new InvalidOptionError(`Invalid xi (statistical advantage parameter): ${xi} (expected xi > 0)`);
  return {
    lr: (delta * eps * (1 + xi)) / (1 + eps),
    momentum: (kappa - eps * eps * xi) / (kappa + eps * xi),
    nu: (eps * xi - 1) / (eps * (1 + xi)),
  };
}

/** Quasi-hyperbolic momentum (qhoptim.pyt.QHM): a weighted average of an SGD step and a momentum step. */
export class QHM extends Optimizer<QHMOptions, QHMCoefficients> {
  constructor(params: ParamsInput<QHMOptions>, options: OptimizerOptions<QHMOptions> = {}) {
    super(qhmSpec, params, options);
  }

  /** `{ lr, momentum, nu }` recovering Recht's PID optimizer. */
  static fromPid(pid: { kP: number; kI: number; kD: number }): QHMParams {
    return qhmFromPid(pid);
  }

  /** `{ lr, momentum, nu }` recovering Lessard et al.'s synthesized Nesterov method. */
  static fromSynthesizedNesterov(sn: { alpha: number; beta1: number; beta2: number }): QHMParams {
    return qhmFromSynthesizedNesterov(sn);
  }

  /** `{ lr, momentum, nu }` recovering Robust Momentum, or Triple Momentum without `rho`. */
  static fromRobustMomentum(rm: { l: number; kappa: number; rho?: number }): QHMParams {
    return qhmFromRobustMomentum(rm);
  }

  /** `{ lr, momentum, nu }` recovering AccSGD (eps defaults to 0.7). */
  static fromAccSgd(acc: { delta: number; kappa: number; xi: number; eps?: number }): QHMParams {
    return qhmFromAccSgd(acc);
  }

  /** `{ lr, momentum, nu }` recovering a two-state optimizer (TSO) that satisfies (1 − h)(1 − q) = km. */
  static fromTwoStateOptimizer(tso: { h: number; k: number; l: number; m: number; q: number; z: number }): QHMParams {
    return qhmFromTwoStateOptimizer(tso);
  }
}
