// Shared test utilities: seeded randomness, closeness checks, and the fast-path-vs-reference harness.
import { expect } from 'vitest';
import { Optimizer, type ArenaConfig } from '../src/optimizer';
import type { AnyRuleSpec, GroupVectors, Scalars } from '../src/rules/spec';

/** Small seeded PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a seeded uniform source (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function randomArray(n: number, rand: () => number, scale = 1): Float32Array {
  const normal = gaussian(rand);
  return Float32Array.from({ length: n }, () => scale * normal());
}

/** Largest |a - e| / (atol + rtol |e|); <= 1 means every element is within tolerance. */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) !== Number.isNaN(e)) return Infinity;
    if (Number.isNaN(e) || a === e) continue;
    worst = Math.max(worst, Math.abs(a - e) / (atol + rtol * Math.abs(e)));
  }
  return worst;
}

/** Asserts elementwise |a - e| <= atol + rtol |e| (NaN must match NaN). */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, label = ''): void {
  const worst = closeness(actual, expected, rtol, atol);
  if (!(worst <= 1)) {
    let at = 0;
    for (let i = 0; i < actual.length; i++) {
      if (Math.abs(actual[i] - expected[i]) > atol + rtol * Math.abs(expected[i]) || Number.isNaN(actual[i]) !== Number.isNaN(expected[i])) { at = i; break; }
    }
    throw new Error(`${label}: not close (worst ratio ${worst.toExponential(2)}) at [${at}]: ${actual[at]} vs ${expected[at]} (rtol ${rtol}, atol ${atol})`);
  }
}

export interface ReferenceRunOptions {
  /** Tensor sizes in each group (one group per inner array). */
  readonly groups: readonly (readonly number[])[];
  readonly options?: Record<string, unknown>;
  /** Per-group option overrides. */
  readonly groupOptions?: readonly Record<string, unknown>[];
  readonly steps?: number;
  readonly seed?: number;
  readonly rtol?: number;
  readonly atol?: number;
  readonly gradScale?: number;
  readonly config?: ArenaConfig;
}

/**
 * Runs a rule's wasm kernel and its float64 reference side by side on random gradients and
 * checks params and every state slot after each step. Returns the optimizer for further checks.
 */
export function checkKernelAgainstReference(spec: AnyRuleSpec, run: ReferenceRunOptions): Optimizer<Record<string, unknown>> {
  const rand = rng(run.seed ?? 1);
  const normal = gaussian(rand);
  const params = run.groups.map((sizes, g) => ({
    ...(run.groupOptions?.[g] ?? {}),
    params: Object.fromEntries(sizes.map((n, i) => [`g${g}t${i}`, randomArray(n, rand)])),
  }));
  const opt = new Optimizer(spec, params, run.options ?? {}, run.config);
  const ref: GroupVectors<Float64Array>[] = run.groups.map((_, g) => ({
    param: Float64Array.from(opt.slotView(g, 'param')),
    grad: new Float64Array(opt.slotView(g, 'grad').length),
    slots: Object.fromEntries(
      opt.layout.groups[g].slots.filter((s) => s !== 'param' && s !== 'grad').map((s) => [s, Float64Array.from(opt.slotView(g, s))]),
    ),
  }));
  const steps = run.steps ?? 5;
  const rtol = run.rtol ?? 1e-5;
  const atol = run.atol ?? 1e-6;
  for (let step = 0; step < steps; step++) {
    run.groups.forEach((sizes, g) => {
      sizes.forEach((n, i) => {
        const grad = opt.grad(`g${g}t${i}`);
        for (let k = 0; k < n; k++) grad[k] = (run.gradScale ?? 1) * normal();
      });
      ref[g].grad.set(opt.slotView(g, 'grad'));
    });
    // The reference sees the float32-rounded state the kernel starts from, so errors do not compound.
    run.groups.forEach((_, g) => {
      ref[g].param.set(opt.slotView(g, 'param'));
      for (const s of Object.keys(ref[g].slots)) ref[g].slots[s].set(opt.slotView(g, s));
      const o = opt.paramGroups[g];
      const scalars: Scalars = { ...opt.scalars(g), step: opt.stepCount(g) + 1 };
      const coef = spec.coefficients(o, scalars);
      spec.referenceStep(ref[g], o, coef, scalars);
    });
    opt.step();
    run.groups.forEach((_, g) => {
      expectAllClose(opt.slotView(g, 'param'), ref[g].param, rtol, atol, `${spec.name} step ${step + 1} group ${g} param`);
      for (const s of Object.keys(ref[g].slots)) {
        expectAllClose(opt.slotView(g, s), ref[g].slots[s], rtol, atol, `${spec.name} step ${step + 1} group ${g} ${s}`);
      }
    });
  }
  return opt;
}

/** The odd sizes every kernel is tested on: empty, tails of 1 and 3, one vector, loops that run many times. */
export const ODD_SIZES = [0, 1, 3, 4, 5, 17, 1023, 4097] as const;
