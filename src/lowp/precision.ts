/**
 * Low-precision optimizer state: the engine options that choose it, and how a group's choice
 * becomes slot dtypes and a kernel call. The codecs are in codec.ts (and assembly/lowp_common.ts).
 *
 *   statePrecision 'float32'   (default) 4 bytes per state element
 *                  'bfloat16'  2 bytes: the rule's state slots as bfloat16, rounded to nearest-even
 *                  'int8'      ≈1 byte: 8-bit codes in blocks of 256 with a float32 absmax per block
 *                              (signed map for first moments, unsigned for second moments); groups
 *                              with fewer than `int8MinElements` (4096) elements keep float32 state
 *   stateRounding  'nearest'   (default) or 'stochastic': unbiased rounding with counter-based random
 *                              bits (seeded by group and step), for both low precisions
 *
 * Parameters and gradients stay float32. Each step decodes the state, runs the float32 update and
 * encodes the new state: the parameter update uses this step's float32 moments, so rounding only
 * affects what is carried to the next step.
 */
import { InvalidOptionError } from '../errors';
import type { SlotDtype } from '../layout';
import type { AnyRuleSpec, Scalars, SlotPointers, SlotSpec } from '../rules/spec';
import type { KernelExports } from '../wasm/kernels';

export type StatePrecision = 'float32' | 'bfloat16' | 'int8';
export type StateRounding = 'nearest' | 'stochastic';

export const STATE_PRECISIONS: readonly StatePrecision[] = ['float32', 'bfloat16', 'int8'];
const ROUNDINGS: readonly StateRounding[] = ['nearest', 'stochastic'];

/** Groups with fewer parameter elements keep float32 state under 'int8' (unless int8MinElements says otherwise). */
export const INT8_MIN_ELEMENTS = 4096;

/**
 * Options of the optimizer engine rather than of the rule: given in the same options object (or a
 * parameter group, which overrides them), removed before the rule validates its options.
 */
export interface EngineOptions {
  /** How state slots are stored: 'float32' (default), 'bfloat16' or 'int8'. Fixed at construction. */
  readonly statePrecision?: StatePrecision;
  /** 'nearest' (default; bfloat16 ties to even) or 'stochastic' (unbiased, seeded per group and step); low precision only. */
  readonly stateRounding?: StateRounding;
  /** int8 only: groups with fewer parameter elements keep float32 state (default 4096). */
  readonly int8MinElements?: number;
}

export const ENGINE_OPTION_KEYS: readonly (keyof EngineOptions)[] = ['statePrecision', 'stateRounding', 'int8MinElements'];

/** Splits an options object into its engine options and the rest. */
export function splitEngineOptions<T extends object>(options: T): [EngineOptions, T] {
  const engine: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if ((ENGINE_OPTION_KEYS as readonly string[]).includes(k)) engine[k] = v;
    else rest[k] = v;
  }
  return [engine as EngineOptions, rest as T];
}

/** How one group stores its state. */
export interface GroupPrecision {
  /** The precision asked for (optimizer options, overridden by the group's). */
  readonly requested: StatePrecision;
  /** The precision used: `requested`, or float32 for an int8 group below int8MinElements. */
  readonly precision: StatePrecision;
  readonly rounding: StateRounding;
  /** Storage dtype of each state slot (param and grad are float32). */
  readonly dtypes: Readonly<Record<string, SlotDtype>>;
}

export const FLOAT32_STATE: GroupPrecision = { requested: 'float32', precision: 'float32', rounding: 'nearest', dtypes: {} };

const quote = (x: unknown): string => (typeof x === 'string' ? `'${x}'` : String(x));

/** Which precisions a rule supports, float32 first. */
export function supportedPrecisions(spec: AnyRuleSpec): StatePrecision[] {
  return STATE_PRECISIONS.filter((p) => p === 'float32' || spec.precisions?.[p] !== undefined);
}

/**
 * Resolves a group's state storage from the optimizer's and the group's engine options. Throws
 * InvalidOptionError for an unknown value or a precision the rule has no kernel for.
 */
export function resolveGroupPrecision(
  spec: AnyRuleSpec, ruleOptions: object, base: EngineOptions, group: EngineOptions, slots: readonly SlotSpec[], elements: number,
): GroupPrecision {
  const o = { ...base, ...group };
  const requested = o.statePrecision ?? 'float32';
  const rounding = o.stateRounding ?? 'nearest';
  const minElements = o.int8MinElements ?? INT8_MIN_ELEMENTS;
  if (!STATE_PRECISIONS.includes(requested)) {
    throw new InvalidOptionError(`Invalid statePrecision: ${quote(requested)} (expected 'float32', 'bfloat16' or 'int8')`);
  }
  if (!ROUNDINGS.includes(rounding)) {
    throw new InvalidOptionError(`Invalid stateRounding: ${quote(rounding)} (expected 'nearest' or 'stochastic')`);
  }
  if (rounding === 'stochastic' && requested === 'float32') {
    throw new InvalidOptionError(`stateRounding 'stochastic' applies to statePrecision 'bfloat16' or 'int8'; got statePrecision 'float32'`);
  }
  if (!(Number.isInteger(minElements) && minElements >= 0)) {
    throw new InvalidOptionError(`Invalid int8MinElements: ${quote(minElements)} (expected an integer >= 0)`);
  }
  if (requested !== 'float32' && spec.precisions?.[requested] === undefined) {
    const have = supportedPrecisions(spec).map((p) => `'${p}'`).join(', ');
    throw new InvalidOptionError(`Rule '${spec.name}' does not support statePrecision '${requested}' (it supports ${have})`);
  }
  const why = requested === 'float32' ? undefined : spec.precisions?.unsupported?.(ruleOptions, requested);
  if (why) throw new InvalidOptionError(`Rule '${spec.name}' with statePrecision '${requested}': ${why}`);
  const precision = requested === 'int8' && elements < minElements ? 'float32' : requested;
  const dtypes: Record<string, SlotDtype> = {};
  if (precision === 'bfloat16') for (const s of slots) dtypes[s.name] = 'bfloat16';
  if (precision === 'int8') {
    const unsigned = spec.precisions?.unsignedSlots ?? [];
    for (const s of slots) dtypes[s.name] = unsigned.includes(s.name) ? 'uint8' : 'int8';
  }
  return { requested, precision, rounding, dtypes };
}

/** 32 seed bits for stochastic rounding in group `group` at step `step` (a lowbias32 hash). */
export function roundingSeed(group: number, step: number): number {
  let x = (Math.imul(step, 0x9e3779b9) ^ Math.imul(group + 1, 0x85ebca6b)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** One step of a low-precision group: the rule's kernel for its precision. */
export function lowPrecisionStep(
  spec: AnyRuleSpec, p: GroupPrecision, group: number,
  kernels: KernelExports, ptr: SlotPointers, n: number, options: object, coef: unknown, scalars: Scalars,
): void {
  const stochastic = p.rounding === 'stochastic';
  const rounding = { stochastic, seed: stochastic ? roundingSeed(group, scalars.step) : 0 };
  if (p.precision === 'bfloat16') spec.precisions!.bfloat16!(kernels, ptr, n, options, coef, scalars, rounding);
  else spec.precisions!.int8!(kernels, ptr, n, options, coef, scalars, rounding);
}
