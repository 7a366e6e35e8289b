// Seconds per step of one rule over one tensor of n elements: edgeoptim through the public API
// (one thread strict, one thread relaxed SIMD, the worker pool, the default non-finite check), and a
// plain-JS loop of the same math (the rule's float64 reference step run over Float32Arrays).
import { Optimizer } from '../src/optimizer';
import { selectKernelBuild } from '../src/wasm/loader';
import type { AnyRuleSpec, GroupVectors, Scalars } from '../src/rules/spec';
import { syncContender, type Contender } from './contender';

/** Options a rule needs for a meaningful benchmark where its defaults would skip work. */
export const BENCH_OPTIONS: Record<string, Record<string, unknown>> = {
  sgd: { lr: 1e-3, momentum: 0.9 },
};

/** The rule's defaults with BENCH_OPTIONS; lr 1e-3 for rules that have no default lr (QHM). */
export function benchOptions(spec: AnyRuleSpec): Record<string, unknown> {
  const options = { ...spec.defaults, ...(BENCH_OPTIONS[spec.name] ?? {}) };
  try {
    spec.validate(options);
    return options;
  } catch {
    return { ...options, lr: 1e-3 };
  }
}

export interface TimingOptions {
  readonly trials: number;
  readonly targetMs: number;
}

export function fillRandom(a: Float32Array, seed: number, scale = 0.02): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * scale;
  }
}

/** State slots of a rule for its bench options (besides param and grad). */
export function stateSlots(spec: AnyRuleSpec): string[] {
  return spec.slots(benchOptions(spec)).map((s: { name: string }) => s.name);
}

export type EdgeoptimMode = 'strict' | 'relaxed' | 'threads' | 'checked';

/**
 * One edgeoptim optimizer stepping n elements. 'strict' and 'relaxed' pick the kernel build,
 * 'threads' uses the running worker pool, 'checked' keeps the default non-finite gradient check
 * (an extra read-only pass over the gradients); the others set nonFinite = 'ignore', the same math
 * as every peer.
 */
export async function edgeoptimContender(spec: AnyRuleSpec, n: number, mode: EdgeoptimMode, whenReady?: () => Promise<void>): Promise<Contender> {
  await selectKernelBuild({ relaxedSimd: mode === 'relaxed' });
  const opt = new Optimizer(spec, { w: [n] }, benchOptions(spec), { threads: mode === 'threads' });
  await selectKernelBuild({ relaxedSimd: false });
  if (mode !== 'checked') opt.nonFinite = 'ignore';
  fillRandom(opt.param('w'), 1);
  fillRandom(opt.grad('w'), 2);
  if (whenReady) await whenReady();
  return syncContender(() => void opt.step());
}

/** The plain-JS baseline: the same math over Float32Arrays, coefficients computed per step. */
export function plainJsContender(spec: AnyRuleSpec, n: number): Contender {
  const options = benchOptions(spec);
  const vectors: GroupVectors<Float32Array> = {
    param: new Float32Array(n),
    grad: new Float32Array(n),
    slots: Object.fromEntries(spec.slots(options).map((s: { name: string; init?: number }) => [s.name, new Float32Array(n).fill(s.init ?? 0)])),
  };
  fillRandom(vectors.param, 1);
  fillRandom(vectors.grad, 2);
  let scalars: Scalars = { ...(spec.initialScalars?.(options) ?? {}), step: 0 };
  return syncContender(() => {
    scalars = { ...scalars, step: scalars.step + 1 };
    const coef = spec.coefficients(options, scalars);
    spec.referenceStep(vectors as unknown as GroupVectors<Float64Array>, options, coef, scalars);
  });
}
