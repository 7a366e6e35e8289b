/**
 * Lookahead (Zhang, Lucas, Ba & Hinton, "Lookahead Optimizer: k steps forward, 1 step back",
 * NeurIPS 2019, Algorithm 1) around any edgeoptim rule.
 *
 *   φ_0 = θ_0                                   (slow weights, copied at the first step)
 *   θ ← inner rule's step, k times              (fast weights)
 *   φ ← φ + α (θ − φ);  θ ← φ                   (every k-th step)
 *
 * Defaults k = 5, α = 0.5 (the paper's). The inner rule's state (momentum, moments) is kept across
 * synchronizations, as in the paper's experiments (no "reset" or "pullback" of the inner state).
 *
 * It is a rule transform, not an object wrapped around a built optimizer: `lookahead(spec)` returns
 * a RuleSpec whose options, slots and scalars extend the inner rule's, so the slow weights live in
 * the same arena as an extra slot (same offsets as `param`), are validated, stepped, saved and loaded
 * by the ordinary Optimizer machinery, and options can differ per group.
 *
 *   const opt = new Lookahead(adamSpec, { w: [256, 128] }, { lr: 1e-3, lookaheadK: 5, lookaheadAlpha: 0.5 });
 *   // or a registered rule by name: new Lookahead('sgd', params, { lr: 0.1, momentum: 0.9 })
 *
 * Names: the rule is `lookahead(<inner>)` (e.g. `lookahead(adam)`, stored in state dicts); options
 * `lookaheadK`, `lookaheadAlpha` (group options, in `param_groups`); per-tensor slot `slow_param`
 * (φ; all zeros before the first step); group scalar `lookahead_step` (fast steps since the last
 * synchronization, 0 ≤ lookahead_step < k), next to the inner rule's scalars and `step`.
 */
import { Optimizer, type ArenaConfig, type OptimizerOptions, type ParamsInput } from './optimizer';
import { InvalidOptionError } from './errors';
import { RULES } from './rules/index';
import type { AnyRuleSpec, GroupVectors, RuleSpec, Scalars, SlotPointers } from './rules/spec';
import type { KernelExports } from './wasm/kernels';
import { checkRange } from './validate';

export interface LookaheadOptions {
  /** k: fast steps between synchronizations (an integer ≥ 1). */
  lookaheadK: number;
  /** α: slow-weights step size, in [0, 1]. */
  lookaheadAlpha: number;
}

export const LOOKAHEAD_DEFAULTS: Readonly<LookaheadOptions> = { lookaheadK: 5, lookaheadAlpha: 0.5 };

const SLOW = 'slow_param';

function validateLookahead(o: LookaheadOptions): void {
  const k = o.lookaheadK;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new InvalidOptionError(`Invalid lookaheadK value: ${String(k)} (expected an integer >= 1)`);
  }
  checkRange('lookaheadAlpha', o.lookaheadAlpha, 0, 1);
}

function syncStep(s: Scalars, o: LookaheadOptions): boolean {
  s.lookahead_step += 1;
  if (s.lookahead_step < o.lookaheadK) return false;
  s.lookahead_step = 0;
  return true;
}

const cache = new WeakMap<AnyRuleSpec, AnyRuleSpec>();

/** The rule `inner` with Lookahead around it (one spec object per inner spec). */
export function lookahead<O extends object, C>(inner: RuleSpec<O, C>): RuleSpec<O & LookaheadOptions, C> {
  const hit = cache.get(inner);
  if (hit) return hit;
  if ('lookaheadK' in inner.defaults || 'lookaheadAlpha' in inner.defaults) {
    throw new InvalidOptionError(`Rule '${inner.name}' already has Lookahead options; Lookahead cannot be nested`);
  }
  type LO = O & LookaheadOptions;
  const spec: RuleSpec<LO, C> = {
    name: `lookahead(${inner.name})`,
    defaults: { ...inner.defaults, ...LOOKAHEAD_DEFAULTS } as LO,
    validate(o) {
      inner.validate(o);
      validateLookahead(o);
    },
    slots(o) {
      const slots = inner.slots(o);
      if (slots.some((s) => s.name === SLOW)) {
        throw new InvalidOptionError(`Rule '${inner.name}' already has a '${SLOW}' slot`);
      }
      return [...slots, { name: SLOW }];
    },
    initialScalars: (o) => ({ ...(inner.initialScalars?.(o) ?? {}), lookahead_step: 0 }),
    coefficients: (o, s) => inner.coefficients(o, s),
    wasmStep(k: KernelExports, ptr: SlotPointers, n: number, o: LO, c: C, s: Scalars) {
      if (s.step === 1) new Uint8Array(k.memory.buffer).copyWithin(ptr[SLOW], ptr.param, ptr.param + 4 * n);
      inner.wasmStep(k, ptr, n, o, c, s);
      if (syncStep(s, o)) k.lookahead_sync(ptr.param, ptr[SLOW], n, o.lookaheadAlpha);
    },
    referenceStep(x: GroupVectors<Float64Array>, o: LO, c: C, s: Scalars) {
      const slow = x.slots[SLOW];
      if (s.step === 1) slow.set(x.param);
      inner.referenceStep(x, o, c, s);
      if (!syncStep(s, o)) return;
      for (let i = 0; i < slow.length; i++) {
        slow[i] += o.lookaheadAlpha * (x.param[i] - slow[i]);
        x.param[i] = slow[i];
      }
    },
  };
  cache.set(inner, spec);
  return spec;
}

/**
 * An optimizer running `inner` (a rule spec, or a registered rule's name such as 'adam') with
 * Lookahead. Options are the inner rule's plus `lookaheadK` (default 5) and `lookaheadAlpha` (0.5).
 */
export class Lookahead<O extends object = Record<string, unknown>> extends Optimizer<O & LookaheadOptions> {
  constructor(
    inner: RuleSpec<O, unknown> | string,
    params: ParamsInput<O & LookaheadOptions>,
    options: OptimizerOptions<O & LookaheadOptions> = {},
    config: ArenaConfig = {},
  ) {
    let spec: RuleSpec<O, unknown> | undefined;
    if (typeof inner === 'string') {
      spec = RULES[inner] as RuleSpec<O, unknown> | undefined;
      if (!spec) throw new InvalidOptionError(`Unknown rule '${inner}'; rules: ${Object.keys(RULES).join(', ')}`);
    } else {
      spec = inner;
    }
    super(lookahead(spec), params, options, config);
  }
}
