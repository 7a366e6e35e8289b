/**
 * Gradient clipping over all tensors of an optimizer — torch.nn.utils.clip_grad_norm_ and
 * clip_grad_value_.
 *
 *   clipGradNorm:   ‖g‖_p = (Σ_i |g_i|^p)^(1/p) over every gradient element (p = ∞: max |g_i|);
 *                   if c = maxNorm / (‖g‖ + 1e-6) < 1, every g_i ← c · g_i. Returns ‖g‖ (before clipping).
 *   clipGradValue:  g_i ← min(max(g_i, −v), v).
 *
 * The L2 and ∞ norms and both in-place passes run as wasm SIMD kernels over each group's whole grad
 * slot (assembly/clip.ts; padding is zero, so it changes nothing); the sum of squares is exact per
 * element and accumulated in float64. Other p use a float64 loop in JS.
 */
import { InvalidOptionError, NonFiniteGradientError } from '../errors';
import type { ArenaLayout } from '../layout';

/** The slot passes clipping needs; the wasm Optimizer's `kernels` provide them. */
export interface ClipKernels {
  slot_sum_squares(ptr: number, n: number): number;
  slot_max_abs(ptr: number, n: number): number;
  slot_scale(ptr: number, n: number, factor: number): void;
  slot_clamp(ptr: number, n: number, lo: number, hi: number): void;
}

/** What clipping needs of an optimizer: its layout, the grad views, and the slot kernels. */
export interface ClippableOptimizer {
  readonly layout: ArenaLayout;
  readonly kernels: ClipKernels;
  grad(name: string): Float32Array;
}

export interface ClipGradNormOptions {
  /** The p of the p-norm: a number > 0, or Infinity. */
  normType: number;
  /** Throw NonFiniteGradientError (changing nothing) when the norm is NaN or ±Infinity. */
  errorIfNonfinite: boolean;
}

const NORM_DEFAULTS: ClipGradNormOptions = { normType: 2, errorIfNonfinite: false };

function checkNormType(p: unknown): asserts p is number {
  if (typeof p !== 'number' || !(p > 0)) {
    throw new InvalidOptionError(`Invalid normType: ${String(p)} (expected a number > 0 or Infinity)`);
  }
}

/** The p-norm of all gradients together (torch's total norm), without changing them. */
export function gradNorm(optimizer: ClippableOptimizer, normType = 2): number {
  checkNormType(normType);
  const k = optimizer.kernels;
  if (normType === Infinity) {
    let m = 0;
    for (const g of optimizer.layout.groups) {
      const x = k.slot_max_abs(g.slotByteOffset.grad, g.slotLength);
      if (Number.isNaN(x)) return NaN;
      m = Math.max(m, x);
    }
    return m;
  }
  if (normType === 2) {
    let sum = 0;
    for (const g of optimizer.layout.groups) sum += k.slot_sum_squares(g.slotByteOffset.grad, g.slotLength);
    return Math.sqrt(sum);
  }
  let sum = 0;
  for (const g of optimizer.layout.groups) {
    for (const t of g.tensors) {
      const x = optimizer.grad(t.name);
      for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]) ** normType;
    }
  }
  return sum ** (1 / normType);
}

/**
 * Scales all gradients in place so their joint p-norm is at most `maxNorm`; returns the norm
 * before clipping. With a NaN or infinite norm and `errorIfNonfinite` false, the gradients are
 * scaled by the resulting NaN or 0 factor, as torch does.
 */
export function clipGradNorm(optimizer: ClippableOptimizer, maxNorm: number, options: Partial<ClipGradNormOptions> = {}): number {
  const o = { ...NORM_DEFAULTS, ...options };
  for (const key of Object.keys(options)) {
    if (!(key in NORM_DEFAULTS)) throw new InvalidOptionError(`Unknown option '${key}' for clipGradNorm; known options: normType, errorIfNonfinite`);
  }
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new InvalidOptionError(`Invalid maxNorm: ${String(maxNorm)} (expected a number >= 0)`);
  checkNormType(o.normType);
  const total = gradNorm(optimizer, o.normType);
  if (o.errorIfNonfinite && !Number.isFinite(total)) {
    throw new NonFiniteGradientError(
      `The total norm of order ${o.normType} for gradients is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) {
    for (const g of optimizer.layout.groups) optimizer.kernels.slot_scale(g.slotByteOffset.grad, g.slotLength, coef);
  }
  return total;
}

/** Clamps every gradient element to [−clipValue, clipValue] in place. */
export function clipGradValue(optimizer: ClippableOptimizer, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new InvalidOptionError(`Invalid clipValue: ${String(clipValue)} (expected a number >= 0)`);
  }
  for (const g of optimizer.layout.groups) optimizer.kernels.slot_clamp(g.slotByteOffset.grad, g.slotLength, -clipValue, clipValue);
}
