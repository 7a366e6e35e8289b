// Elements per second of one rule's step: edgeoptim's wasm SIMD kernel through the public API,
// and a plain-JS loop of the same math (the rule's reference step run over Float32Arrays).
import { Optimizer } from '../src/optimizer';
import type { AnyRuleSpec, GroupVectors, Scalars } from '../src/rules/spec';
import { timeIt } from './timing';

/** Options a rule needs for a meaningful benchmark where its defaults would skip work. */
export const BENCH_OPTIONS: Record<string, Record<string, unknown>> = {
  sgd: { lr: 1e-3, momentum: 0.9 },
};

export interface ThroughputRow {
  readonly rule: string;
  readonly n: number;
  readonly wasmElemsPerSec: number;
  readonly jsElemsPerSec: number;
  /** Bytes of optimizer state (slots besides param and grad) per parameter. */
  readonly stateBytesPerParam: number;
}

function fillRandom(a: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 0.02;
  }
}

export function measureRule(spec: AnyRuleSpec, n: number, trials: number): ThroughputRow {
  const options = { ...spec.defaults, ...(BENCH_OPTIONS[spec.name] ?? {}) };
  const opt = new Optimizer(spec, { w: [n] }, options);
  fillRandom(opt.param('w'), 1);
  fillRandom(opt.grad('w'), 2);
  const wasm = timeIt(() => opt.step(), { trials });
  const stateSlots = opt.layout.groups[0].slots.filter((s) => s !== 'param' && s !== 'grad');

  // The plain-JS baseline: the same math over Float32Arrays, coefficients computed per step.
  const vectors: GroupVectors<Float32Array> = {
    param: opt.param('w').slice(),
    grad: opt.grad('w').slice(),
    slots: Object.fromEntries(stateSlots.map((s) => [s, new Float32Array(n)])),
  };
  const group = opt.paramGroups[0];
  let scalars: Scalars = { ...opt.scalars(0), step: 0 };
  const js = timeIt(
    () => {
      scalars = { ...scalars, step: scalars.step + 1 };
      const coef = spec.coefficients(group, scalars);
      spec.referenceStep(vectors as unknown as GroupVectors<Float64Array>, group, coef, scalars);
    },
    { trials },
  );
  return {
    rule: spec.name,
    n,
    wasmElemsPerSec: n / wasm.seconds,
    jsElemsPerSec: n / js.seconds,
    stateBytesPerParam: stateSlots.length * 4,
  };
}
