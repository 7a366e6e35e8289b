/**
 * What a rule is: the single source of truth that both backends and the tests use.
 * Adding a rule means one spec file here plus its kernel in assembly/.
 */
import type { KernelExports } from '../wasm/kernels';

/** Group-level scalar state. `step` (the number of steps taken) is always present. */
export type Scalars = { step: number } & Record<string, number>;

/** An element-wise state slot, e.g. `exp_avg`; `init` is its initial value (default 0). */
export interface SlotSpec {
  readonly name: string;
  readonly init?: number;
}

/**
 * The vectors of one parameter group: `param`, `grad` and each state slot, each covering the
 * whole group (all tensors, padding included). float32 in the arena, float64 in references.
 */
export interface GroupVectors<T> {
  readonly param: T;
  readonly grad: T;
  readonly slots: Readonly<Record<string, T>>;
}

/** Byte offsets of a group's slots in the arena memory, by slot name (`param`, `grad`, ...). */
export type SlotPointers = Readonly<Record<string, number>>;

export interface RuleSpec<O extends object, C> {
  /** Registry name, stored in state dicts and checkpoints (e.g. 'adam'). */
  readonly name: string;
  /** Every option with its default; its keys are the rule's option names. */
  readonly defaults: Readonly<O>;
  /** Throws InvalidOptionError naming the first bad option. */
  validate(options: O): void;
  /** The element-wise state slots these options need. */
  slots(options: O): readonly SlotSpec[];
  /** Group-level scalar state besides `step`, with initial values. */
  initialScalars?(options: O): Record<string, number>;
  /**
   * This step's scalar coefficients, computed once in float64. `scalars` is the group's working
   * copy with `step` already incremented; the rule may update its other scalars in it.
   */
  coefficients(options: O, scalars: Scalars): C;
  /**
   * One kernel pass (or a few, for rules with reductions) over the group's `n` slot elements.
   * `scalars` is the same working copy `coefficients` saw; rules whose scalar state depends on a
   * reduction (HVAdam) update it here.
   */
  wasmStep(kernels: KernelExports, ptr: SlotPointers, n: number, options: O, coef: C, scalars: Scalars): void;
  /** The same step in float64, element by element: the reference the tests compare against. */
  referenceStep(x: GroupVectors<Float64Array>, options: O, coef: C, scalars: Scalars): void;
  /**
   * Kernels for state stored in low precision (`statePrecision`, src/lowp/); a precision without
   * one here is rejected for this rule. Absent: float32 state only.
   */
  readonly precisions?: LowPrecisionSteps<O, C>;
}

/** How a low-precision step rounds its new state: to nearest, or stochastically with this step's seed. */
export interface BfloatRounding {
  readonly stochastic: boolean;
  /** 32 bits derived from the group and the step (src/lowp/precision.ts). */
  readonly seed: number;
}

/** A rule's low-precision kernels (see RuleSpec.precisions). */
export interface LowPrecisionSteps<O extends object, C> {
  /** The step with every state slot stored as bfloat16 (same pointers as wasmStep). */
  bfloat16?(kernels: KernelExports, ptr: SlotPointers, n: number, options: O, coef: C, scalars: Scalars, rounding: BfloatRounding): void;
  /** The step with 8-bit block-quantized state; `ptr` also holds each state slot's `<slot>.absmax`. */
  int8?(kernels: KernelExports, ptr: SlotPointers, n: number, options: O, coef: C, scalars: Scalars, rounding: BfloatRounding): void;
  /** State slots whose values are never negative (second moments): 8-bit as uint8 with the unsigned map, the rest as int8. */
  readonly unsignedSlots?: readonly string[];
  /** Why these options cannot run with this precision (undefined: they can). Checked at construction. */
  unsupported?(options: O, precision: 'bfloat16' | 'int8'): string | undefined;
}

/** A spec whose option and coefficient types are erased, for registries and generic code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRuleSpec = RuleSpec<any, any>;
