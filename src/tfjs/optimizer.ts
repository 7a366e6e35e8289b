/**
 * A TensorFlow.js optimizer that steps with any edgeoptim rule.
 *
 * `EdgeOptimizer` extends `tf.Optimizer`, so `model.compile({ optimizer })`, `model.fit`,
 * `optimizer.minimize(f)` and `applyGradients(grads)` work as with `tf.train.adam()`. The
 * parameters, gradients and optimizer state live in an edgeoptim arena (one float32 vector per slot,
 * one SIMD kernel call per group). Each `applyGradients`:
 *
 *   1. copies each gradient into the arena's grad slot (variables without a gradient get zeros),
 *   2. runs the rule's step,
 *   3. writes every parameter back to its `tf.Variable`.
 *
 * The arena is built from the first call's variables (or from `variables` at construction). A
 * variable seen later joins as a new parameter group, whose step count starts at 0. A variable
 * assigned from outside (e.g. `model.setWeights`) is read back into the arena before the next step.
 *
 * Differences from TF.js's own optimizers, all deliberate:
 * - state is keyed by variable name, not by position in the gradient list;
 * - every tensor of a group steps together (torch's semantics): a variable left out of a call has
 *   its moments decayed with a zero gradient. Use one EdgeOptimizer per set of variables that
 *   trains together (as with alternating GAN updates);
 * - options use edgeoptim's names (`lr`, `betas`, `eps`, `weightDecay`); `learningRate` maps to `lr`.
 */
import {
  Optimizer as TfOptimizer, engine, scalar, serialization, tensor,
  type NamedTensorMap, type Tensor,
} from '@tensorflow/tfjs-core';
import { InvalidOptionError, StateDictError, TensorError } from '../errors';
import { Optimizer, type GroupInput, type ParamGroup, type StateDict, type TensorState } from '../optimizer';
import { RULES } from '../rules/index';
import type { RuleSpec } from '../rules/spec';
import { checkKnownKeys } from '../validate';
import { describeDataPath, readInto, writeVariable } from './transfer';

/** TF.js's `NamedTensor` (not exported by tfjs-core's index). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Which variables a group holds: names, a RegExp over names, or a predicate (not serializable). */
export type VariableMatch = RegExp | readonly string[] | ((name: string) => boolean);

/** A parameter group: the variables it matches and the options it overrides (e.g. `weightDecay: 0`). */
export type TfGroup<O> = Partial<O> & { readonly match: VariableMatch };

/** Something with a variable's name and shape: a `tf.Variable` or a tfjs-layers `LayerVariable`. */
export interface VariableLike {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface EdgeOptimizerConfig<O extends object> {
  /**
   * Parameter groups, first match wins; unmatched variables use the base options. E.g.
   * `[{ match: /bias$/, weightDecay: 0 }]`.
   */
  readonly groups?: readonly TfGroup<O>[];
  /** Build the arena now (e.g. `model.trainableWeights`) instead of at the first step; then `core` is available at once. */
  readonly variables?: readonly VariableLike[];
  /**
   * Overwrite each variable's memory instead of assigning it a new tensor, on the cpu and wasm
   * backends, when no other tensor shares that memory (default false). It saves one allocation per
   * variable per step; arrays returned earlier by `variable.dataSync()` then change with it.
   */
  readonly inPlace?: boolean;
  /** Called after the gradients are in the arena and before the step: e.g. `(o) => clipGradNorm(o, 1)`. */
  readonly beforeStep?: (core: Optimizer<O>) => void;
}

type AnyOptions = Record<string, unknown>;

interface GroupPlan {
  /** Index into `groups` of the config, or -1 for the base options. */
  readonly rule: number;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

const DEFAULT_GROUP = -1;

export class EdgeOptimizer<O extends object = AnyOptions> extends TfOptimizer {
  /** TF.js's serialization name (`tf.serialization.registerClass`). */
  static className = 'EdgeOptimizer';

  /** The rule's registry name, e.g. 'adamw'. */
  readonly rule: string;
  /** How the last step moved data, per direction (for logs and tests). */
  lastWrite: { inPlace: number; assigned: number } = { inPlace: 0, assigned: 0 };

  private readonly spec: RuleSpec<O, unknown>;
  private readonly options: Partial<O>;
  private readonly groupRules: readonly TfGroup<O>[];
  private readonly inPlace: boolean;
  private readonly beforeStep?: (core: Optimizer<O>) => void;
  private arena: Optimizer<O> | null = null;
  private plans: GroupPlan[] = [];
  /** Per variable, its dataId after our last write: a different one means it was assigned from outside. */
  private readonly written = new Map<string, object>();
  /** State from setWeights() waiting for the arena to exist. */
  private pending: Record<string, TensorState> | null = null;
  /** Tensors returned by getWeights(), disposed at the next call (TF.js's savers do not dispose them). */
  private handedOut: Tensor[] = [];

  constructor(rule: string | RuleSpec<O, unknown>, options: Partial<O> = {}, config: EdgeOptimizerConfig<O> = {}) {
    super();
    const spec = (typeof rule === 'string' ? RULES[rule] : rule) as RuleSpec<O, unknown> | undefined;
    if (!spec) throw new InvalidOptionError(`Unknown rule '${String(rule)}'; known rules: ${Object.keys(RULES).join(', ')}`);
    this.spec = spec;
    this.rule = spec.name;
    const keys = Object.keys(spec.defaults);
    checkKnownKeys(spec.name, options, keys);
    spec.validate({ ...spec.defaults, ...options } as O);
    (config.groups ?? []).forEach((g, i) => {
      if (!g || typeof g !== 'object' || !('match' in g)) throw new InvalidOptionError(`groups[${i}] needs a 'match' (names, a RegExp or a function)`);
      const { match, ...overrides } = g;
      checkMatch(match, i);
      checkKnownKeys(spec.name, overrides, keys);
      spec.validate({ ...spec.defaults, ...options, ...overrides } as O);
    });
    this.options = { ...options };
    this.groupRules = (config.groups ?? []).map((g) => ({ ...g }));
    this.inPlace = config.inPlace ?? false;
    this.beforeStep = config.beforeStep;
    if (config.variables) this.extend(config.variables.map(shapeOf));
  }

  /**
   * The edgeoptim optimizer holding the arena: its `paramGroups` (for schedules), `param(name)`,
   * `state(name, slot)`, `stateDict()`. Exists after the first step or when built with `variables`;
   * a variable joining later replaces it with a new one (state carried over).
   */
  get core(): Optimizer<O> {
    if (!this.arena) {
      throw new TensorError('The arena is built at the first applyGradients() call; pass { variables } to the constructor to build it earlier');
    }
    return this.arena;
  }

  /** Whether the arena exists yet. */
  get built(): boolean {
    return this.arena !== null;
  }

  /** TF.js's name for the learning rate: reads group 0's `lr`; setting it sets every group's `lr`. */
  get learningRate(): number {
    if (this.arena) return (this.arena.paramGroups[0] as unknown as { lr: number }).lr;
    return ((this.options as AnyOptions).lr ?? (this.spec.defaults as AnyOptions).lr) as number;
  }

  set learningRate(lr: number) {
    (this.options as AnyOptions).lr = lr;
    for (const g of this.groupRules) if ('lr' in g) (g as AnyOptions).lr = lr;
    if (this.arena) for (const g of this.arena.paramGroups) (g as unknown as { lr: number }).lr = lr;
  }

  /** How values move between TF.js and the arena on the active backend. */
  dataPath(): { backend: string; gradients: string; parameters: string } {
    return describeDataPath(this.inPlace);
  }

  applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const grads = new Map<string, Tensor>();
    const list: [string, Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const registered = engine().registeredVariables;
    for (const [name, g] of list) {
      const v = registered[name];
      if (!v) throw new TensorError(`applyGradients: no variable named '${name}' is registered (was it disposed?)`);
      if (g == null) continue;
      if (g.dtype !== 'float32' || v.dtype !== 'float32') {
        throw new TensorError(`Variable '${name}': edgeoptim steps float32 variables with float32 gradients (got ${v.dtype} and ${g.dtype})`);
      }
      if (g.size !== v.size || g.rank !== v.rank || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new TensorError(`Gradient of '${name}' has shape [${g.shape.join(', ')}]; the variable's is [${v.shape.join(', ')}]`);
      }
      grads.set(name, g);
    }
    const known = new Set(this.arena?.tensorNames ?? []);
    const fresh = list.filter(([name]) => !known.has(name));
    if (fresh.length > 0) this.extend(fresh.map(([name]) => shapeOf(registered[name])));

    const core = this.arena!;
    const names = core.tensorNames;
    const vars = names.map((name) => {
      const v = registered[name];
      if (!v) throw new TensorError(`Variable '${name}' of this optimizer is no longer registered (was it disposed?)`);
      return v;
    });
    // Validate everything before writing anything (a throwing call changes nothing).
    names.forEach((name, i) => {
      if (vars[i].dtype !== 'float32') throw new TensorError(`Variable '${name}' is ${vars[i].dtype}; edgeoptim steps float32 variables`);
    });
    names.forEach((name, i) => {
      if (this.written.get(name) !== vars[i].dataId) readInto(vars[i], core.param(name));
      const g = grads.get(name);
      if (g) readInto(g, core.grad(name));
      else core.grad(name).fill(0);
    });
    this.beforeStep?.(core);
    const skipped = core.skippedSteps;
    core.step();
    this.incrementIterations();
    if (core.skippedSteps !== skipped) return; // nonFinite 'skip': nothing changed
    const counts = { inPlace: 0, assigned: 0 };
    names.forEach((name, i) => {
      if (writeVariable(vars[i], core.param(name), this.inPlace) === 'in-place') counts.inPlace++;
      else counts.assigned++;
      this.written.set(name, vars[i].dataId);
    });
    this.lastWrite = counts;
  }

  /**
   * `[iter, then per variable: <name>/step and the rule's other scalars, <name>/<slot> for each
   * state slot]` — TF.js's layout for `model.save(..., { includeOptimizer: true })`. The tensors
   * stay owned by this optimizer: they are disposed at the next getWeights() or dispose().
   */
  async getWeights(): Promise<NamedTensor[]> {
    this.releaseHandedOut();
    const out: NamedTensor[] = [await this.saveIterations()];
    if (this.arena) {
      const sd = this.arena.stateDict();
      for (const name of this.arena.tensorNames) {
        for (const [key, value] of Object.entries(sd.state[name])) {
          const t = typeof value === 'number'
            ? scalar(value, key === 'step' ? 'int32' : 'float32')
            : tensor(value, [...this.arena.shape(name)], 'float32');
          out.push({ name: `${name}/${key}`, tensor: t });
        }
      }
    } else if (this.pending) {
      for (const [name, entry] of Object.entries(this.pending)) {
        for (const [key, value] of Object.entries(entry)) {
          const t = typeof value === 'number' ? scalar(value, key === 'step' ? 'int32' : 'float32') : tensor(value, [value.length], 'float32');
          out.push({ name: `${name}/${key}`, tensor: t });
        }
      }
    }
    this.handedOut = out.map((w) => w.tensor);
    return out;
  }

  /** Loads what getWeights() wrote (values are read at once; the caller may dispose the tensors). */
  async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0) throw new StateDictError('setWeights expects [iter, ...state tensors] from getWeights()');
    const rest = await this.extractIterations(weightValues);
    const state: Record<string, TensorState> = {};
    for (const { name, tensor: t } of rest) {
      const cut = name.lastIndexOf('/');
      if (cut <= 0) throw new StateDictError(`Optimizer weight '${name}' is not '<variable>/<state>'`);
      const [variable, key] = [name.slice(0, cut), name.slice(cut + 1)];
      const values = await t.data();
      (state[variable] ??= {})[key] = t.rank === 0 ? Number(values[0]) : Float32Array.from(values as Float32Array);
    }
    if (this.arena) this.loadState(this.arena, state);
    else this.pending = state;
  }

  getConfig(): serialization.ConfigDict {
    const groups = this.groupRules.map((g, i) => {
      const { match, ...overrides } = g;
      if (typeof match === 'function') {
        throw new InvalidOptionError(`groups[${i}].match is a function, which cannot be serialized; use a RegExp or a list of names`);
      }
      const m = match instanceof RegExp ? { regexp: match.source, flags: match.flags } : { names: [...match] };
      return { match: m, options: overrides };
    });
    return protect({ rule: this.rule, options: this.options, groups, inPlace: this.inPlace }) as serialization.ConfigDict;
  }

  static fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const c = unprotect(config) as {
      rule: string;
      options?: AnyOptions;
      groups?: { match: { regexp?: string; flags?: string; names?: string[] }; options?: AnyOptions }[];
      inPlace?: boolean;
    };
    const groups = (c.groups ?? []).map((g) => ({
      ...(g.options ?? {}),
      match: g.match.regexp !== undefined ? new RegExp(g.match.regexp, g.match.flags ?? '') : (g.match.names ?? []),
    }));
    return new cls(c.rule, c.options ?? {}, { groups, inPlace: c.inPlace ?? false });
  }

  dispose(): void {
    this.releaseHandedOut();
    this.arena = null;
    this.plans = [];
    this.written.clear();
    super.dispose();
  }

  // ---- internals -------------------------------------------------------------------------

  private releaseHandedOut(): void {
    for (const t of this.handedOut) if (!t.isDisposed) t.dispose();
    this.handedOut = [];
  }

  private groupOf(name: string): number {
    return this.groupRules.findIndex((g) => matches(g.match, name));
  }

  /** Builds (or rebuilds, carrying state over) the arena with `added` as new tensors. */
  private extend(added: readonly { name: string; shape: readonly number[] }[]): void {
    const old = this.arena;
    const plans = [...this.plans];
    const buckets = new Map<number, { name: string; shape: readonly number[] }[]>();
    for (const t of added) {
      if (plans.some((p) => p.tensors.some((x) => x.name === t.name))) continue;
      const g = this.groupOf(t.name);
      const b = buckets.get(g) ?? [];
      if (!b.some((x) => x.name === t.name)) b.push(t);
      buckets.set(g, b);
    }
    const order = [DEFAULT_GROUP, ...this.groupRules.map((_, i) => i)];
    for (const g of order) {
      const tensors = buckets.get(g);
      if (tensors?.length) plans.push({ rule: g, tensors });
    }
    const inputs = plans.map((p, i): GroupInput<O> => {
      const params = Object.fromEntries(p.tensors.map((t) => [t.name, [...t.shape]]));
      // Existing groups keep their live options (e.g. an lr a schedule has set).
      if (old && i < old.paramGroups.length) return { ...optionsOf(old.paramGroups[i]), params } as GroupInput<O>;
      const { match: _, ...overrides } = p.rule === DEFAULT_GROUP ? ({ match: null } as unknown as TfGroup<O>) : this.groupRules[p.rule];
      return { ...overrides, params } as unknown as GroupInput<O>;
    });
    const core = new Optimizer<O>(this.spec, inputs, this.options);
    if (old) {
      core.nonFinite = old.nonFinite;
      const sd = old.stateDict();
      core.loadStateDict({
        rule: sd.rule,
        state: sd.state,
        param_groups: core.paramGroups.map((g) => ({ ...optionsOf(g), params: [...g.params] })) as StateDict<O>['param_groups'],
      });
      for (const name of old.tensorNames) core.param(name).set(old.param(name));
    }
    if (this.pending) {
      const pending = this.pending;
      this.pending = null;
      this.loadState(core, pending);
    }
    // Parameters are read from the variables at the next step (their dataIds are not recorded yet).
    for (const t of added) this.written.delete(t.name);
    this.arena = core;
    this.plans = plans;
  }

  /**
   * Loads per-variable state (from setWeights) into `core`; checked completely before writing.
   * By name when every saved name is a variable here; otherwise by position, as TF.js's own
   * optimizers do (a reloaded model's variables get new unique names), with every size checked.
   */
  private loadState(core: Optimizer<O>, saved: Record<string, TensorState>): void {
    const names = core.tensorNames;
    const savedNames = Object.keys(saved);
    let state = saved;
    if (!savedNames.every((n) => names.includes(n))) {
      if (savedNames.length !== names.length) {
        throw new StateDictError(
          `Optimizer weights hold state for ${savedNames.length} variables (${savedNames.join(', ')}); this optimizer has ${names.length} (${names.join(', ')})`,
        );
      }
      state = {};
      savedNames.forEach((from, i) => {
        const size = core.param(names[i]).length;
        for (const [key, value] of Object.entries(saved[from])) {
          if (typeof value !== 'number' && value.length !== size) {
            throw new StateDictError(
              `Optimizer weights are matched by position (the variable names differ): '${from}/${key}' has ${value.length} elements but variable ${i}, '${names[i]}', has ${size}`,
            );
          }
        }
        state[names[i]] = saved[from];
      });
    }
    core.loadStateDict({
      rule: this.rule,
      state,
      param_groups: core.paramGroups.map((g) => ({ ...optionsOf(g), params: [...g.params] })) as StateDict<O>['param_groups'],
    });
  }
}

function shapeOf(v: VariableLike): { name: string; shape: readonly number[] } {
  if (!v || typeof v.name !== 'string' || !Array.isArray(v.shape)) throw new TensorError('variables must be tf.Variables or objects with a name and a shape');
  return { name: v.name, shape: [...v.shape] };
}

function optionsOf<O>(g: ParamGroup<O>): O {
  const { params: _, ...o } = g as ParamGroup<O> & { params: unknown };
  return o as unknown as O;
}

function checkMatch(m: unknown, i: number): void {
  if (m instanceof RegExp || typeof m === 'function') return;
  if (Array.isArray(m) && m.every((x) => typeof x === 'string')) return;
  throw new InvalidOptionError(`groups[${i}].match must be a RegExp, a list of variable names or a function`);
}

function matches(m: VariableMatch, name: string): boolean {
  if (m instanceof RegExp) {
    m.lastIndex = 0;
    return m.test(name);
  }
  if (typeof m === 'function') return m(name);
  return m.includes(name);
}

// tfjs-layers camel-cases every string of a loaded training config (`dense_1/kernel` would become
// `dense1/kernel`); strings holding '_' are stored base64-encoded so they come back unchanged.
const STR = 'edgeoptimString';

function protect(x: unknown): unknown {
  if (typeof x === 'string') return x.includes('_') ? { [STR]: toBase64(x) } : x;
  if (Array.isArray(x)) return x.map(protect);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, protect(v)]));
  return x;
}

function unprotect(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(unprotect);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o[STR] === 'string' && Object.keys(o).length === 1) return fromBase64(o[STR] as string);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unprotect(v)]));
  }
  return x;
}

function toBase64(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function fromBase64(s: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

serialization.registerClass(EdgeOptimizer);
