/**
 * HVAdam (Zhang et al., "HVAdam: A Full-Dimension Adaptive Optimizer", AAAI 2025, Algorithm 2).
 *
 * "Full-dimension": the hidden vector's coefficient k, the cosine and δ are computed over all the
 * tensors of a parameter group together. Per step (t counts steps; t2 counts hidden-vector steps
 * since the last (re)start; ⟨·,·⟩ and ‖·‖ run over the whole group):
 *
 *   g_t = ±∇f(θ_{t-1}) + λ θ_{t-1}                          (coupled L2 decay, the official default)
 *   m_t = β1 m_{t-1} + (1 − β1) g_t                          (line 5)
 *   p_t = (g_t − v_{t-1})²                                   (line 6)
 *   η_t = p_t / ((g_t − m_t)² + γ p_t + ε)                   (line 7)
 *   s_t = β2 s_{t-1} + (1 − β2) η_t p_t + ε                  (line 8)
 *   m̂_t = m_t / (1 − β1^t),   ŝ_t = s_t / (1 − β2^t)         (line 10)
 *   t2 ← t2 + 1
 *   if t2 = 0 (first step, or the step after a restart):   v ← m̂_t,  δ ← 0,  b_t = 0   (line 25)
 *   else:
 *     k_t = ⟨v_{t-1} − m̂_t, v_{t-1}⟩ / ‖v_{t-1} − m̂_t‖²   (0 if v_{t-1} = m̂_t)      (lines 12-16)
 *     v_t = k_t m̂_t + (1 − k_t) v_{t-1}                     (line 17: the foot of the perpendicular
 *                                                           from 0 to the line through v_{t-1}, m̂_t)
 *     δ = β2 δ + (1 − β2) cos⟨v_t, m̂_t⟩,   δ̂ = δ / (1 − β2^t2)                    (lines 18-19)
 *     b_t = 10^(6δ − 3) if δ̂ ≥ 0.1, else 0 and t2 ← −1 (restart next step)        (lines 20-23)
 *   θ_t = θ_{t-1} − α1 m̂_t / (sqrt(ŝ_t) + ε) − α2 b_t v_t                         (line 28)
 *
 * Where the paper and the official code (ChihayaAnn/HVAdam) differ, or leave a choice open:
 * - Learning rates: the paper names α1 and α2 but initializes them equal; the official code has one
 *   `lr` for both terms. We follow both: α1 = lr and α2 = hiddenLrScale · lr with hiddenLrScale = 1,
 *   so a schedule that changes lr scales both terms, as in the official code.
 * - ε: the paper gives no value; the official default is 1e-16 (AdaBelief's convention), which we
 *   keep. ε enters three times (η's denominator, added to s every step, outside the sqrt); with
 *   Adam's 1e-8, s would never fall below ~1e-5 and the adaptive term would be damped for good.
 * - γ: 0 ("usually set as 0" in the paper; the official default).
 * - Weight decay: coupled L2 (the official default); `weightDecouple` selects the official
 *   `weight_decouple` form θ ← (1 − lr λ) θ. AMSGrad and RAdam rectification from the official
 *   code are not part of Algorithm 2 and are left out.
 * - |cos| > 1: mathematically cos⟨v_t, m̂_t⟩ = ‖v_t‖/‖m̂_t‖ ∈ [0, 1]; in floating point it can leave
 *   that range. Like the official code we then skip the hidden-vector part of the step entirely
 *   (no δ update, t2 not advanced, v unchanged, no hidden step; the Adam-like term still applies).
 *   Divergence: where ‖v_t‖ ‖m̂_t‖ = 0 (a first gradient of zeros, so v = 0; or v ∥ m̂, always
 *   the case for a one-element group, where the foot of the perpendicular is 0) the cosine is 0/0;
 *   the official code propagates a NaN into the parameters (v = 0) or uses rounding noise (v ∥ m̂).
 *   We take cos = 0 (no alignment) when ‖v_t‖² is 0 up to float32 rounding (below 2^-20 of its
 *   terms), so δ̂ falls and the hidden vector restarts. With that, |cos| > 1 + 1e-9 only comes from
 *   non-finite values; smaller excesses are rounding and are clamped to 1. A k that does not fit
 *   float32 is skipped too.
 * - "v_{t-1} = m̂_t" (k = 0) is tested up to float32 noise, ‖v − m̂‖ ≤ 2^-16 max(‖v‖, ‖m̂‖): below
 *   that, v − m̂ is rounding and k would be noise (e.g. under a constant gradient, where the paper's
 *   exact test gives k = 0, cos = 1).
 * - The step that triggers a restart: the paper updates v (line 17) before testing δ̂, so the next
 *   step's p uses that v; the official code leaves v unchanged. We follow the paper.
 * - (g_t − m_t)² is computed as (β1 (g_t − m_{t-1}))², the same number without cancellation.
 * - s is stored without its ε series: the slot `exp_avg_var` holds s_t − E_t, where
 *   E_t = β2 E_{t-1} + ε is the group scalar `eps_sum`, and ŝ_t = (exp_avg_var + E_t)/(1 − β2^t).
 *   The algebra is exact; it keeps the arena's padding at 0 in every slot (the official
 *   `exp_avg_var` equals exp_avg_var + eps_sum here).
 *
 * Two kernel passes per group and step: pass 1 updates m, s and the Adam-like term of θ and
 * reduces Σm̂², Σm̂v, Σv², Σ(v − m̂)² in float64 (exact float32 products, float64 sums) into the
 * reduction scratch; the scalars above are computed from them here in float64; pass 2 updates v
 * and applies the hidden-vector term (or re-initializes v).
 *
 * State slots: `exp_avg` (m), `exp_avg_var` (s − E), `last_v` (v). Group scalars (saved in the
 * state dict with every tensor): `step`, `t2` (−1 = restart next step; official `flag`/`step2`),
 * `delta` (δ, uncorrected; official `exp_delta`), `eps_sum` (E), `restarts` (how many times the
 * restart test fired; a diagnostic).
 */
import { Optimizer, type OptimizerOptions, type ParamsInput } from '../optimizer';
import type { GroupVectors, RuleSpec, Scalars, SlotPointers } from './spec';
import type { KernelExports } from '../wasm/kernels';
import { checkBetas, checkBoolean, checkEps, checkLr, checkNonNegative, checkWeightDecay } from '../validate';

/** Byte offset of the kernels' float64 reduction results (REDUCTION_SCRATCH in assembly/common.ts). */
export const REDUCTION_SCRATCH = 64512;

/** δ̂ below this restarts the hidden vector (the paper's empirical 0.1). */
const RESTART_THRESHOLD = 0.1;

export interface HVAdamOptions {
  /** α1, the learning rate of the Adam-like term. */
  lr: number;
  /** α2 / α1: the hidden-vector term's learning rate relative to lr (1 in the paper and code). */
  hiddenLrScale: number;
  betas: [number, number];
  eps: number;
  gamma: number;
  weightDecay: number;
  /** Decoupled decay θ ← (1 − lr λ) θ (official `weight_decouple`) instead of coupled L2. */
  weightDecouple: boolean;
  maximize: boolean;
}

export interface HVAdamCoefficients {
  /** α1 / (1 − β1^t). */
  readonly stepSize: number;
  readonly invBc1: number;
  readonly invBc2: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly gamma: number;
  readonly eps: number;
  /** E_t, the ε series of s (see the doc above). */
  readonly epsSum: number;
  readonly weightDecay: number;
  readonly paramScale: number;
  readonly gradSign: number;
  /** α2. */
  readonly hiddenLr: number;
}

/** The group sums from pass 1, over m̂_t and v_{t-1}. */
export interface HVAdamSums {
  /** Σ m̂². */
  readonly mm: number;
  /** Σ m̂ v. */
  readonly mv: number;
  /** Σ v². */
  readonly vv: number;
  /** Σ (v − m̂)². */
  readonly dd: number;
}

/** What pass 2 does. */
export interface HiddenPlan {
  /** reset: v = m̂; update: v = v + k (m̂ − v) and θ −= hiddenStep v; skip: nothing. */
  readonly action: 'reset' | 'update' | 'skip';
  readonly k: number;
  /** α2 b_t (0 on the step that triggers a restart). */
  readonly hiddenStep: number;
  /** cos⟨v_t, m̂_t⟩ (NaN when not computed). */
  readonly cos: number;
}

const F32_MAX = 3.4028234663852886e38;
/** (2^-16)²: v and m̂ count as equal when ‖v − m̂‖ ≤ 2^-16 max(‖v‖, ‖m̂‖) (~256 float32 ulps). */
const SAME_TOL2 = 2 ** -32;
/** ‖v_t‖² below this fraction of its terms' size is float32 rounding: v_t = 0. */
const DEGENERATE_TOL = 2 ** -20;
/** |cos| up to 1 + this is rounding (float64 sums of exact products) and is clamped to 1. */
const COS_ROUNDING = 1e-9;

/**
 * The group-level part of the step, in float64: k, the cosine, δ, b and the restart test (lines
 * 11-26). Updates `t2`, `delta` and `restarts` in the working scalars; shared by both backends.
 */
export function planHiddenStep(o: HVAdamOptions, c: HVAdamCoefficients, s: Scalars, sums: HVAdamSums): HiddenPlan {
  if (s.t2 === 0) {
    s.delta = 0;
    return { action: 'reset', k: 1, hiddenStep: 0, cos: NaN };
  }
  const { mm, mv, vv, dd } = sums;
  // "v_{t-1} = m̂_t" up to float32 noise: below that, v − m̂ has no direction and k would be noise.
  const k = dd > SAME_TOL2 * Math.max(mm, vv) ? (vv - mv) / dd : 0;
  // v_t = v + k (m̂ − v):  ⟨v_t, m̂⟩ = mv + k (mm − mv),  ‖v_t‖² = vv + 2k (mv − vv) + k² dd.
  const vm = mv + k * (mm - mv);
  const vtvt = vv + 2 * k * (mv - vv) + k * k * dd;
  // v_t = 0 up to the float32 rounding of its terms (v ∥ m̂, as always in one dimension; or v = 0;
  // or m̂ = 0): the cosine is 0/0, and we take 0 — no alignment.
  const degenerate = !(vtvt > DEGENERATE_TOL * (vv + 2 * Math.abs(k * (mv - vv)) + k * k * dd)) || !(mm > 0);
  let cos = degenerate ? 0 : vm / Math.sqrt(vtvt * mm);
  if (!(Math.abs(cos) <= 1 + COS_ROUNDING) || !(Math.abs(k) <= F32_MAX)) {
    s.t2 -= 1;
    return { action: 'skip', k: 0, hiddenStep: 0, cos };
  }
  cos = Math.min(1, Math.max(-1, cos));
  s.delta = c.beta2 * s.delta + (1 - c.beta2) * cos;
  const deltaHat = s.delta / (1 - c.beta2 ** s.t2);
  if (deltaHat >= RESTART_THRESHOLD) {
    return { action: 'update', k, hiddenStep: c.hiddenLr * 10 ** (6 * s.delta - 3), cos };
  }
  s.t2 = -1;
  s.restarts += 1;
  return { action: 'update', k, hiddenStep: 0, cos };
}

export function hvadamCoefficients(o: HVAdamOptions, s: Scalars): HVAdamCoefficients {
  const [beta1, beta2] = o.betas;
  s.t2 += 1;
  s.eps_sum = beta2 * s.eps_sum + o.eps;
  const bc1 = 1 - beta1 ** s.step;
  return {
    stepSize: o.lr / bc1,
    invBc1: 1 / bc1,
    invBc2: 1 / (1 - beta2 ** s.step),
    beta1,
    beta2,
    gamma: o.gamma,
    eps: o.eps,
    epsSum: s.eps_sum,
    weightDecay: o.weightDecouple ? 0 : o.weightDecay,
    paramScale: o.weightDecouple ? 1 - o.lr * o.weightDecay : 1,
    gradSign: o.maximize ? -1 : 1,
    hiddenLr: o.lr * o.hiddenLrScale,
  };
}

function hvadamWasmStep(k: KernelExports, ptr: SlotPointers, n: number, o: HVAdamOptions, c: HVAdamCoefficients, s: Scalars): void {
  k.hvadam_moments(
    ptr.param, ptr.grad, ptr.exp_avg, ptr.exp_avg_var, ptr.last_v, n,
    c.stepSize, c.invBc1, c.invBc2, 1 - c.beta1, c.beta1, c.beta2, 1 - c.beta2,
    c.gamma, c.eps, c.epsSum, c.weightDecay, c.paramScale, c.gradSign,
  );
  const r = new Float64Array(k.memory.buffer, REDUCTION_SCRATCH, 4);
  const plan = planHiddenStep(o, c, s, { mm: r[0], mv: r[1], vv: r[2], dd: r[3] });
  if (plan.action === 'reset') {
    k.hvadam_reset_v(ptr.exp_avg, ptr.last_v, n, c.invBc1);
  } else if (plan.action === 'update') {
    k.hvadam_hidden_step(ptr.param, ptr.exp_avg, ptr.last_v, n, c.invBc1, plan.k, plan.hiddenStep, plan.hiddenStep !== 0 ? 1 : 0);
  }
}

function hvadamReferenceStep({ param, grad, slots }: GroupVectors<Float64Array>, o: HVAdamOptions, c: HVAdamCoefficients, s: Scalars): void {
  const { exp_avg: m, exp_avg_var: sv, last_v: v } = slots;
  let mm = 0, mv = 0, vv = 0, dd = 0;
  for (let i = 0; i < param.length; i++) {
    const p = c.paramScale * param[i];
    const g = c.gradSign * grad[i] + c.weightDecay * p;
    m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
    const q = (g - v[i]) ** 2;
    const eta = q / ((g - m[i]) ** 2 + c.gamma * q + c.eps);
    sv[i] = c.beta2 * sv[i] + (1 - c.beta2) * eta * q;
    param[i] = p - c.stepSize * (m[i] / (Math.sqrt((sv[i] + c.epsSum) * c.invBc2) + c.eps));
    const mh = m[i] * c.invBc1;
    mm += mh * mh;
    mv += mh * v[i];
    vv += v[i] * v[i];
    dd += (v[i] - mh) ** 2;
  }
  const plan = planHiddenStep(o, c, s, { mm, mv, vv, dd });
  if (plan.action === 'skip') return;
  for (let i = 0; i < param.length; i++) {
    const mh = m[i] * c.invBc1;
    v[i] = plan.action === 'reset' ? mh : v[i] + plan.k * (mh - v[i]);
    param[i] -= plan.hiddenStep * v[i];
  }
}

export const hvadamSpec: RuleSpec<HVAdamOptions, HVAdamCoefficients> = {
  name: 'hvadam',
  defaults: {
    lr: 1e-3, hiddenLrScale: 1, betas: [0.9, 0.999], eps: 1e-16, gamma: 0,
    weightDecay: 0, weightDecouple: false, maximize: false,
  },
  validate(o) {
    checkLr(o.lr);
    checkNonNegative('hiddenLrScale', o.hiddenLrScale);
    checkBetas(o.betas);
    checkEps(o.eps);
    checkNonNegative('gamma', o.gamma);
    checkWeightDecay(o.weightDecay);
    checkBoolean('weightDecouple', o.weightDecouple);
    checkBoolean('maximize', o.maximize);
  },
  slots: () => [{ name: 'exp_avg' }, { name: 'exp_avg_var' }, { name: 'last_v' }],
  initialScalars: () => ({ t2: -1, delta: 0, eps_sum: 0, restarts: 0 }),
  coefficients: hvadamCoefficients,
  wasmStep: hvadamWasmStep,
  referenceStep: hvadamReferenceStep,
};

/** HVAdam: Adam with a group-wide hidden vector that accelerates along a valley's floor. */
export class HVAdam extends Optimizer<HVAdamOptions, HVAdamCoefficients> {
  constructor(params: ParamsInput<HVAdamOptions>, options: OptimizerOptions<HVAdamOptions> = {}) {
    super(hvadamSpec, params, options);
  }
}
