/**
 * What a rule's ONNX graph is: built from the rule's options, fed the rule's own per-step
 * coefficients (computed in float64 by `spec.coefficients`, passed as 0-d float32 inputs), so one
 * ONNX Runtime session serves every step and every slot length.
 *
 * Graph I/O convention (the executor relies on it): vector inputs `param`, `grad` and one per
 * state slot (by slot name); outputs `param_out` and `<slot>_out` for every state slot; scalar
 * inputs are whatever the graph declares with `g.scalar(name)`, fed from `scalars(coef)[name]`.
 */
import type { GraphBuilder, Value } from '../../onnx/graph';
import type { Scalars } from '../../rules/spec';

export interface GraphVectors {
  readonly param: Value;
  readonly grad: Value;
  /** The state slots' current values, by slot name. */
  readonly slots: Readonly<Record<string, Value>>;
}

export interface GraphResult {
  readonly param: Value;
  /**
   * The state slots' new values: every slot of `spec.slots(options)`, except, for a rule with a
   * second pass, the slots only that pass writes.
   */
  readonly slots: Readonly<Record<string, Value>>;
  /** Group sums (0-d values) a second pass needs; read back and added over chunks in float64. */
  readonly sums?: Readonly<Record<string, Value>>;
}

/**
 * A second element-wise pass after a group-wide reduction (HVAdam): the host turns the first
 * pass's sums into this pass's scalars with the spec's own float64 logic, or skips it.
 */
export interface SecondPass<O, C> {
  /** Scalars for `build`, or null to skip the pass. May update the group's working scalars. */
  plan(options: O, coef: C, scalars: Scalars, sums: Readonly<Record<string, number>>): Readonly<Record<string, number>> | null;
  /** Inputs: the parameters and slots after the first pass. Returns the parameters and the slots it writes. */
  build(g: GraphBuilder, x: { readonly param: Value; readonly slots: Readonly<Record<string, Value>> }, options: O): GraphResult;
}

export interface RuleGraph<O, C> {
  /** The rule's registry name (as in src/rules/index.ts). */
  readonly rule: string;
  /**
   * The options that change the graph's structure, as a short key ('' when none do); one session
   * is created per distinct key. Everything else must reach the graph through `scalars`.
   */
  variant(options: O): string;
  /** Adds the element-wise step to `g`, mirroring the wasm kernel's float32 operation order. */
  build(g: GraphBuilder, x: GraphVectors, options: O): GraphResult;
  /** The scalar inputs for one step, from the rule's coefficients (float64; rounded to float32 on feed). */
  scalars(coef: C, options: O): Readonly<Record<string, number>>;
  /** Rules with a group reduction between two element-wise passes. */
  readonly second?: SecondPass<O, C>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRuleGraph = RuleGraph<any, any>;
