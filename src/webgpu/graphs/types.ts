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

export interface GraphVectors {
  readonly param: Value;
  readonly grad: Value;
  /** The state slots' current values, by slot name. */
  readonly slots: Readonly<Record<string, Value>>;
}

export interface GraphResult {
  readonly param: Value;
  /** The state slots' new values; every slot of `spec.slots(options)` must be present. */
  readonly slots: Readonly<Record<string, Value>>;
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
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRuleGraph = RuleGraph<any, any>;
