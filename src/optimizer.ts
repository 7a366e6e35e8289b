/**
 * The optimizer API shared by every rule: named tensors in parameter groups, zero-copy views into
 * the arena, one kernel call per group per step, torch-style state dicts.
 */
import { WasmArena } from './arena';
import { StateDictError, TensorError, InvalidOptionError, NotInitializedError, NonFiniteGradientError } from './errors';
import { isInitialized } from './wasm/loader';
import { ALIGN_ELEMENTS, planLayout, shapeSize, type ArenaLayout, type GroupLayout, type TensorLayout } from './layout';
import { absmaxSlot, isQuantized, QUANT_BLOCK, type SlotDtype } from './layout';
import type { RuleSpec, Scalars, SlotSpec } from './rules/spec';
import { checkKnownKeys } from './validate';
import {
  FLOAT32_STATE, lowPrecisionStep, resolveGroupPrecision, splitEngineOptions,
  type EngineOptions, type GroupPrecision, type StatePrecision,
} from './lowp/precision';
import { blockCount, decodeBf16, decodeQ8, encodeBf16, encodeQ8 } from './lowp/codec';

export type { EngineOptions, StatePrecision, StateRounding } from './lowp/precision';

/** A rule's options (all optional, defaults fill the rest) plus the engine's (`statePrecision`, ...). */
export type OptimizerOptions<O> = Partial<O> & EngineOptions;

/** How a low-precision slot is stored, as a typed array: bfloat16 bit patterns or 8-bit codes. */
export type RawStateArray = Float32Array | Uint16Array | Int8Array | Uint8Array;

interface RawArrayConstructor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): RawStateArray;
  readonly BYTES_PER_ELEMENT: number;
}

const RAW_ARRAYS: Readonly<Record<SlotDtype, RawArrayConstructor>> = {
  float32: Float32Array, bfloat16: Uint16Array, int8: Int8Array, uint8: Uint8Array,
};

/** A tensor declaration: a shape (zeros), a Float32Array (1-D initial values), or both. */
export type TensorInit =
  | readonly number[]
  | Float32Array
  | { readonly shape: readonly number[]; readonly data?: ArrayLike<number> };

/** Tensors by name. */
export type ParamDict = Readonly<Record<string, TensorInit>>;

/** A parameter group: its tensors and the options it overrides (engine options included). */
export type GroupInput<O> = Partial<O> & EngineOptions & { readonly params: ParamDict };

/** One group's tensors, or several groups. */
export type ParamsInput<O> = ParamDict | readonly GroupInput<O>[];

/** A live parameter group: assign to its options (e.g. `lr`) between steps. */
export type ParamGroup<O> = O & { readonly params: readonly string[] };

/**
 * Per-tensor state in torch's naming: `step`, other scalars, and the slots' values (copies). A
 * low-precision optimizer's slots are in their storage form: Uint16Array (bfloat16 bits), or
 * Int8Array/Uint8Array codes plus `<slot>.absmax` (Float32Array, one per block of 256).
 */
export type TensorState = Record<string, number | RawStateArray>;

export interface StateDict<O = object> {
  /** The rule that wrote it, e.g. 'adam'. */
  readonly rule: string;
  readonly state: Readonly<Record<string, TensorState>>;
  readonly param_groups: readonly (O & { readonly params: readonly string[] })[];
}

/**
 * What `step()` does when a gradient holds NaN or ±Inf: 'error' throws NonFiniteGradientError and
 * changes nothing; 'skip' changes nothing and counts the step in `skippedSteps` (as a gradient
 * scaler does); 'ignore' runs the update as is. 'error' and 'skip' cost one read-only SIMD pass
 * over the gradients before any write (4 of Adam's 28 bytes per element); 'ignore' costs nothing.
 */
export type NonFinitePolicy = 'error' | 'skip' | 'ignore';

const NON_FINITE_POLICIES: readonly NonFinitePolicy[] = ['error', 'skip', 'ignore'];

/** Internal knobs, used by tests to pack tensors without alignment padding. */
export interface ArenaConfig {
  readonly alignElements?: number;
  /** false: never use the worker pool of `initThreads()` for this optimizer. */
  readonly threads?: boolean;
}

interface GroupRuntime {
  readonly layout: GroupLayout;
  /** The state slots allocated for this group (besides param and grad). */
  readonly stateSlots: readonly string[];
  /** How the state slots are stored (src/lowp/). */
  readonly precision: GroupPrecision;
  scalars: Scalars;
}

interface TensorEntry {
  readonly group: number;
  readonly layout: TensorLayout;
}

interface ParsedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data?: ArrayLike<number>;
}

const cloneValue = (v: unknown): unknown => (Array.isArray(v) ? [...v] : v);

function cloneOptions<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = cloneValue(v);
  return out as T;
}

/** Option values as last validated: arrays copied, so in-place edits (`betas[0] = 1`) are seen. */
interface OptionSnapshot {
  readonly keyCount: number;
  readonly values: readonly unknown[];
}

function snapshotOptions(group: object, keys: readonly string[]): OptionSnapshot {
  const g = group as Record<string, unknown>;
  return { keyCount: Object.keys(g).length, values: keys.map((k) => cloneValue(g[k])) };
}

function sameOptions(snap: OptionSnapshot, group: object, keys: readonly string[]): boolean {
  const g = group as Record<string, unknown>;
  for (let k = 0; k < keys.length; k++) {
    const now = g[keys[k]];
    const then = snap.values[k];
    if (now === then) continue;
    if (!Array.isArray(now) || !Array.isArray(then) || now.length !== then.length) return false;
    for (let j = 0; j < now.length; j++) if (now[j] !== then[j]) return false;
  }
  // A key added under another name (a typo) changes the count; checked only when values match.
  return Object.keys(g).length === snap.keyCount;
}

function parseTensor(name: string, init: TensorInit): ParsedTensor {
  if (init instanceof Float32Array) return { name, shape: [init.length], data: init };
  if (Array.isArray(init)) return { name, shape: init };
  if (ArrayBuffer.isView(init)) {
    throw new TensorError(
      `Tensor '${name}' must be a Float32Array, a shape array or { shape, data }; got ${init.constructor.name}`,
    );
  }
  if (init && typeof init === 'object' && 'shape' in init) {
    const { shape, data } = init as { shape: readonly number[]; data?: ArrayLike<number> };
    if (data !== undefined) {
      const size = shapeSize(name, shape);
      if (typeof data !== 'object' || typeof data.length !== 'number' || data.length !== size) {
        throw new TensorError(
          `Tensor '${name}': data has ${String((data as ArrayLike<number>)?.length)} elements but shape [${shape.join(', ')}] needs ${size}`,
        );
      }
    }
    return { name, shape, data };
  }
  throw new TensorError(`Tensor '${name}' must be a Float32Array, a shape array or { shape, data }`);
}

function normalizeGroups<O>(params: ParamsInput<O>): GroupInput<O>[] {
  if (Array.isArray(params)) {
    if (params.length === 0) throw new TensorError('The optimizer got an empty list of parameter groups');
    return params.map((g, i) => {
      if (!g || typeof g !== 'object' || !g.params || typeof g.params !== 'object') {
        throw new TensorError(`Parameter group ${i} has no 'params' object`);
      }
      return g;
    });
  }
  if (!params || typeof params !== 'object') throw new TensorError('The optimizer needs tensors: { name: shape | Float32Array }');
  return [{ params } as GroupInput<O>];
}

export class Optimizer<O extends object, C = unknown> {
  /** The rule's registry name, e.g. 'adam'. */
  readonly rule: string;
  readonly defaults: Readonly<O>;
  /** Live groups: change options (e.g. `paramGroups[0].lr = 1e-4`) between steps. */
  readonly paramGroups: ParamGroup<O>[];
  /** The arena layout shared with the GPU path and checkpoints. */
  readonly layout: ArenaLayout;
  /** The policy for non-finite gradients (see NonFinitePolicy); default 'error'. */
  nonFinite: NonFinitePolicy = 'error';
  /** Steps not taken under the 'skip' policy because a gradient was not finite. */
  skippedSteps = 0;

  private readonly spec: RuleSpec<O, C>;
  private readonly arena: WasmArena;
  private readonly groups: GroupRuntime[];
  private readonly tensors = new Map<string, TensorEntry>();
  private readonly views = new Map<string, Float32Array>();
  private readonly optionKeys: readonly string[];
  /** Per group, the option values last validated (see checkedGroupOptions). */
  private readonly validated: (OptionSnapshot | undefined)[] = [];
  private readonly plans: { o: O; scalars: Scalars; coef: C }[] = [];

  constructor(spec: RuleSpec<O, C>, params: ParamsInput<O>, options: OptimizerOptions<O> = {}, config: ArenaConfig = {}) {
    if (!isInitialized()) {
      throw new NotInitializedError('edgeoptim is not initialized: call `await init()` before creating an optimizer');
    }
    this.spec = spec;
    this.rule = spec.name;
    this.defaults = spec.defaults;
    this.optionKeys = Object.keys(spec.defaults);
    const [engine, ruleOptions] = splitEngineOptions(options);
    checkKnownKeys(spec.name, ruleOptions, this.optionKeys);
    const base = { ...spec.defaults, ...cloneOptions(ruleOptions) } as O;

    const inputs = normalizeGroups(params);
    const groupOptions: O[] = [];
    const groupTensors: ParsedTensor[][] = [];
    const groupEngine: EngineOptions[] = [];
    for (const input of inputs) {
      const { params: dict, ...rest } = input;
      const [engineOverrides, overrides] = splitEngineOptions(rest);
      groupEngine.push(engineOverrides);
      checkKnownKeys(spec.name, overrides, this.optionKeys);
      const o = { ...base, ...cloneOptions(overrides) } as O;
      spec.validate(o);
      const parsed: ParsedTensor[] = [];
      for (const [name, init] of Object.entries(dict)) {
        if (groupTensors.some((ts) => ts.some((t) => t.name === name)) || parsed.some((t) => t.name === name)) {
          throw new TensorError(`Tensor '${name}' appears in more than one parameter group`);
        }
        parsed.push(parseTensor(name, init));
      }
      groupOptions.push(o);
      groupTensors.push(parsed);
    }

    const slotSpecs: SlotSpec[][] = groupOptions.map((o) => [...spec.slots(o)]);
    const precisions = groupTensors.map((tensors, i) => {
      const elements = tensors.reduce((n, t) => n + shapeSize(t.name, t.shape), 0);
      return resolveGroupPrecision(spec, groupOptions[i], engine, groupEngine[i], slotSpecs[i], elements);
    });
    this.layout = planLayout(
      groupTensors.map((tensors, i) => ({
        tensors, slots: ['param', 'grad', ...slotSpecs[i].map((s) => s.name)], dtypes: precisions[i].dtypes,
      })),
      config.alignElements ?? ALIGN_ELEMENTS,
    );
    this.arena = new WasmArena(this.layout, { threads: config.threads });

    this.groups = this.layout.groups.map((layout, i) => ({
      layout,
      stateSlots: slotSpecs[i].map((s) => s.name),
      precision: precisions[i] ?? FLOAT32_STATE,
      scalars: { ...(spec.initialScalars?.(groupOptions[i]) ?? {}), step: 0 },
    }));
    this.paramGroups = groupOptions.map((o, i) => ({ ...o, params: Object.freeze(groupTensors[i].map((t) => t.name)) }));

    this.layout.groups.forEach((layout, g) => {
      for (const t of layout.tensors) this.tensors.set(t.name, { group: g, layout: t });
      for (const s of slotSpecs[g]) if (s.init) this.fillSlot(g, s.name, s.init);
    });
    for (const ts of groupTensors) for (const t of ts) if (t.data) this.param(t.name).set(t.data);
  }

  /** Names of all tensors, in declaration order. */
  get tensorNames(): string[] {
    return [...this.tensors.keys()];
  }

  /** The number of steps group `group` has taken. */
  stepCount(group = 0): number {
    return this.groupRuntime(group).scalars.step;
  }

  /** The shape a tensor was declared with. */
  shape(name: string): readonly number[] {
    return this.entry(name).layout.shape;
  }

  /** Zero-copy view of a parameter. Write to it to set values; it stays valid for the optimizer's life. */
  param(name: string): Float32Array {
    return this.tensorView(name, 'param');
  }

  /** Zero-copy view of a gradient: write your gradients here before `step()`. */
  grad(name: string): Float32Array {
    return this.tensorView(name, 'grad');
  }

  /**
   * Zero-copy view of one state slot of a tensor, e.g. `state('w', 'exp_avg')`. When the tensor's
   * group stores its state in low precision (`statePrecision`), a float32 *copy* decoded from
   * storage instead: writing to it changes nothing (use `setState`); `stateRaw` is the zero-copy
   * view of the storage.
   */
  state(name: string, slot: string): Float32Array {
    const { group, layout } = this.entry(name);
    this.checkStateSlot(group, slot);
    const dtype = this.groups[group].layout.slotDtype[slot];
    if (dtype === 'float32') return this.tensorView(name, slot);
    const out = new Float32Array(layout.size);
    const raw = this.rawTensorView(name, slot);
    if (dtype === 'bfloat16') decodeBf16(raw as Uint16Array, out);
    else decodeQ8(raw as Int8Array | Uint8Array, this.rawTensorView(name, absmaxSlot(slot)), out);
    return out;
  }

  /**
   * Writes a tensor's state slot from float32 values: a copy into float32 storage, or rounded /
   * quantized into low-precision storage (8-bit: the tensor's blocks get new absmaxes).
   */
  setState(name: string, slot: string, data: ArrayLike<number>): void {
    const { group, layout } = this.entry(name);
    this.checkStateSlot(group, slot);
    if (!data || typeof data.length !== 'number' || data.length !== layout.size) {
      throw new TensorError(`Tensor '${name}' has ${layout.size} elements; got ${String(data?.length)} values for slot '${slot}'`);
    }
    this.encodeTensorState(name, slot, data);
  }

  /**
   * Zero-copy view of a tensor's slot in its storage form: Float32Array (float32), Uint16Array
   * (bfloat16 bit patterns), Int8Array / Uint8Array (8-bit codes). For an 8-bit slot,
   * `stateRaw(name, '<slot>.absmax')` views the tensor's block scales (one per 256 elements).
   */
  stateRaw(name: string, slot: string): RawStateArray {
    const { group } = this.entry(name);
    const base = slot.endsWith('.absmax') ? slot.slice(0, -'.absmax'.length) : slot;
    this.checkStateSlot(group, base);
    if (!(slot in this.groups[group].layout.slotDtype)) {
      throw new TensorError(`Slot '${base}' of tensor '${name}' is stored as ${this.groups[group].layout.slotDtype[base]}; it has no '${slot}'`);
    }
    return this.rawTensorView(name, slot);
  }

  /** The state precision group `group` uses ('float32' for an int8 group below int8MinElements). */
  statePrecision(group = 0): StatePrecision {
    return this.groupRuntime(group).precision.precision;
  }

  /** Copies `data` into a parameter (the copy-in path for arrays you own: O(n)). */
  setParam(name: string, data: ArrayLike<number>): void {
    this.copyIn(name, 'param', data);
  }

  /** Copies `data` into a gradient (the copy-in path for arrays you own: O(n)). */
  setGrad(name: string, data: ArrayLike<number>): void {
    this.copyIn(name, 'grad', data);
  }

  /** Sets every gradient to zero (one fill per group). */
  zeroGrad(): void {
    this.groups.forEach((_, g) => this.slotView(g, 'grad').fill(0));
  }

  /**
   * Updates every tensor of every group: one kernel call per group. Options are validated for all
   * groups before anything is written, so a throwing step changes nothing.
   */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    const count = this.groups.length;
    const plans = this.plans;
    for (let i = 0; i < count; i++) {
      const o = this.checkedGroupOptions(i);
      const prev = this.groups[i].scalars;
      const scalars = { ...prev, step: prev.step + 1 };
      plans[i] = { o, scalars, coef: this.spec.coefficients(o, scalars) };
    }
    if (this.nonFinite !== 'ignore' && !this.gradientsFinite()) {
      this.skippedSteps++;
      return loss;
    }
    for (let i = 0; i < count; i++) {
      const { layout } = this.groups[i];
      const plan = plans[i];
      const precision = this.groups[i].precision;
      if (precision.precision === 'float32') {
        this.spec.wasmStep(this.arena.kernels, layout.slotByteOffset, layout.slotLength, plan.o, plan.coef, plan.scalars);
      } else {
        lowPrecisionStep(this.spec, precision, i, this.arena.kernels, layout.slotByteOffset, layout.slotLength, plan.o, plan.coef, plan.scalars);
      }
      this.groups[i].scalars = plan.scalars;
    }
    const threadError = this.arena.takeThreadError();
    if (threadError) throw threadError; // the step completed; the worker pool has closed
    return loss;
  }

  /**
   * True when every gradient is finite. Under 'error' a non-finite gradient throws instead,
   * naming the tensor; nothing has been written yet either way.
   */
  private gradientsFinite(): boolean {
    if (!NON_FINITE_POLICIES.includes(this.nonFinite)) {
      throw new InvalidOptionError(`Invalid nonFinite policy: '${String(this.nonFinite)}' (expected 'error', 'skip' or 'ignore')`);
    }
    const k = this.arena.kernels;
    for (const { layout } of this.groups) {
      if (k.all_finite(layout.slotByteOffset.grad, layout.slotLength)) continue;
      if (this.nonFinite === 'skip') return false;
      for (const t of layout.tensors) {
        const grad = this.grad(t.name);
        const at = grad.findIndex((x) => !Number.isFinite(x));
        if (at >= 0) {
          throw new NonFiniteGradientError(
            `Gradient of tensor '${t.name}' holds ${grad[at]} at index ${at}; the step was not taken (set optimizer.nonFinite to 'skip' or 'ignore' to change this)`,
          );
        }
      }
    }
    return true;
  }

  /**
   * A snapshot of state and options; slot values are copies, keys follow torch's names. A
   * low-precision group's slots are copies of their storage (see TensorState) and its param group
   * records `statePrecision` (and `stateRounding` when stochastic), so a round trip is exact.
   */
  stateDict(): StateDict<O> {
    const state: Record<string, TensorState> = {};
    this.groups.forEach((g) => {
      for (const t of g.layout.tensors) {
        const entry: TensorState = { ...g.scalars };
        for (const slot of g.stateSlots) {
          entry[slot] = this.rawTensorView(t.name, slot).slice();
          if (isQuantized(g.layout.slotDtype[slot])) entry[absmaxSlot(slot)] = this.rawTensorView(t.name, absmaxSlot(slot)).slice();
        }
        state[t.name] = entry;
      }
    });
    const param_groups = this.paramGroups.map((pg, i) => {
      const { precision, rounding } = this.groups[i].precision;
      const lowp = precision === 'float32' ? {} : { statePrecision: precision, ...(rounding === 'stochastic' ? { stateRounding: rounding } : {}) };
      return { ...cloneOptions(pg), ...lowp, params: [...pg.params] };
    });
    return { rule: this.rule, state, param_groups };
  }

  /** Loads a state dict from `stateDict()`; everything is checked before anything is written. */
  loadStateDict(sd: StateDict<O>): void {
    if (!sd || typeof sd !== 'object') throw new StateDictError('loadStateDict expects an object from stateDict()');
    if (sd.rule !== this.rule) {
      throw new StateDictError(`State dict was saved by rule '${String(sd.rule)}'; this optimizer is '${this.rule}'`);
    }
    const groups = sd.param_groups;
    if (!Array.isArray(groups) || groups.length !== this.groups.length) {
      throw new StateDictError(
        `State dict has ${Array.isArray(groups) ? groups.length : 'no'} parameter groups; this optimizer has ${this.groups.length}`,
      );
    }
    const writes: (() => void)[] = [];
    groups.forEach((pg, gi) => {
      const runtime = this.groups[gi];
      const names = runtime.layout.tensors.map((t) => t.name);
      const { params, statePrecision: saved, stateRounding: _rounding, ...options } = pg as ParamGroup<O> & EngineOptions;
      if (!Array.isArray(params) || params.length !== names.length || params.some((p, k) => p !== names[k])) {
        throw new StateDictError(
          `Parameter group ${gi} holds [${String(params)}] in the state dict but [${names.join(', ')}] here`,
        );
      }
      const here = runtime.precision.precision;
      if (saved !== undefined && saved !== here) {
        throw new StateDictError(
          `Parameter group ${gi} was saved with statePrecision '${String(saved)}'; this optimizer stores its state as '${here}' ` +
            `(create it with statePrecision: '${String(saved)}', or load float32 values)`,
        );
      }
      checkKnownKeys(this.rule, options, this.optionKeys);
      const o = { ...this.spec.defaults, ...cloneOptions(options) } as O;
      this.spec.validate(o);
      const scalars = this.readGroupScalars(sd, gi, runtime);
      for (const t of runtime.layout.tensors) {
        const entry = sd.state?.[t.name];
        if (!entry) continue;
        const dtypes = runtime.layout.slotDtype;
        for (const key of Object.keys(entry)) {
          if (key in scalars || runtime.stateSlots.includes(key)) continue;
          if (key.endsWith('.absmax') && isQuantized(dtypes[key.slice(0, -'.absmax'.length)])) continue;
          throw new StateDictError(`State of tensor '${t.name}' has '${key}', which is not part of ${this.rule}'s state here`);
        }
        for (const slot of runtime.stateSlots) {
          const values = entry[slot];
          if (values === undefined) {
            throw new StateDictError(`State of tensor '${t.name}' lacks slot '${slot}'`);
          }
          if (typeof values !== 'object' || (values as ArrayLike<number>).length !== t.size) {
            throw new StateDictError(
              `State slot '${slot}' of tensor '${t.name}' has ${String((values as ArrayLike<number>)?.length)} elements; expected ${t.size}`,
            );
          }
          writes.push(this.stateWrite(t, slot, dtypes[slot], values as ArrayLike<number>, entry[absmaxSlot(slot)]));
        }
      }
      writes.push(() => {
        Object.assign(this.paramGroups[gi], o);
        runtime.scalars = scalars;
      });
    });
    for (const write of writes) write();
  }

  /**
   * Zero-copy view of a whole float32 slot of a group (all tensors, padding included). A slot stored
   * in low precision throws a TensorError naming its dtype: use `slotRaw` for it.
   */
  slotView(group: number, slot: string): Float32Array {
    const { layout } = this.groupRuntime(group);
    const offset = layout.slotByteOffset[slot];
    if (offset === undefined) throw new TensorError(`Group ${group} has no slot '${slot}'; slots: ${layout.slots.join(', ')}`);
    const dtype = layout.slotDtype[slot];
    if (dtype !== 'float32') {
      throw new TensorError(
        `Slot '${slot}' of group ${group} is stored as ${dtype}, not float32: use slotRaw(${group}, '${slot}') for its storage, or state(name, '${slot}') for decoded values`,
      );
    }
    return this.cachedView(`g${group}\u0000${slot}`, offset, layout.slotElements[slot]);
  }

  /** Zero-copy view of a whole slot in its storage dtype (see `layout.groups[g].slotDtype`). */
  slotRaw(group: number, slot: string): RawStateArray {
    const { layout } = this.groupRuntime(group);
    const offset = layout.slotByteOffset[slot];
    if (offset === undefined) throw new TensorError(`Group ${group} has no slot '${slot}'; slots: ${layout.slots.join(', ')}`);
    return new RAW_ARRAYS[layout.slotDtype[slot]](this.arena.memory.buffer, offset, layout.slotElements[slot]);
  }

  /**
   * The wasm kernels bound to this optimizer's arena, for passes over whole slots outside a rule's
   * step (gradient clipping): pointers are `layout.groups[g].slotByteOffset[slot]`, lengths `slotLength`.
   */
  get kernels(): WasmArena['kernels'] {
    return this.arena.kernels;
  }

  /** The group-level scalar state (a copy): `step` and the rule's other scalars. */
  scalars(group = 0): Scalars {
    return { ...this.groupRuntime(group).scalars };
  }

  private readGroupScalars(sd: StateDict<O>, gi: number, runtime: GroupRuntime): Scalars {
    const fresh: Scalars = {
      ...(this.spec.initialScalars?.(this.paramGroups[gi]) ?? {}),
      step: 0,
    };
    const entries = runtime.layout.tensors.map((t) => sd.state?.[t.name]);
    const present = entries.filter((e): e is TensorState => e !== undefined);
    if (present.length === 0) return fresh;
    if (present.length !== entries.length) {
      throw new StateDictError(`State dict has state for some tensors of group ${gi} but not all`);
    }
    const scalars: Scalars = { ...fresh };
    for (const key of Object.keys(fresh)) {
      const values = present.map((e) => e[key]);
      if (values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new StateDictError(`State of group ${gi} lacks a finite number for '${key}'`);
      }
      if (values.some((v) => v !== values[0])) {
        throw new StateDictError(
          `Tensors of group ${gi} have different '${key}' values; edgeoptim steps a group's tensors together`,
        );
      }
      scalars[key] = values[0] as number;
    }
    return scalars;
  }

  /** The group's options, validated; re-validation is skipped while they are unchanged. */
  private checkedGroupOptions(i: number): O {
    const group = this.paramGroups[i];
    if (this.validated[i] && sameOptions(this.validated[i], group, this.optionKeys)) return group;
    // Catch options assigned under a wrong name (e.g. `weight_decay`) after construction.
    const { params: _, ...options } = group;
    checkKnownKeys(this.rule, options, this.optionKeys);
    this.spec.validate(group);
    const allocated = this.groups[i].stateSlots;
    for (const slot of this.spec.slots(group)) {
      if (!allocated.includes(slot.name)) {
        throw new InvalidOptionError(
          `Parameter group ${i}: these options need state slot '${slot.name}', which was not allocated at construction; create the optimizer with them instead`,
        );
      }
    }
    this.validated[i] = snapshotOptions(group, this.optionKeys);
    return group;
  }

  private entry(name: string): TensorEntry {
    const e = this.tensors.get(name);
    if (!e) throw new TensorError(`Unknown tensor '${name}'; tensors: ${this.tensorNames.join(', ')}`);
    return e;
  }

  private groupRuntime(group: number): GroupRuntime {
    const g = this.groups[group];
    if (!g) throw new TensorError(`No parameter group ${group}; this optimizer has ${this.groups.length}`);
    return g;
  }

  private tensorView(name: string, slot: string): Float32Array {
    const { group, layout } = this.entry(name);
    const base = this.groups[group].layout.slotByteOffset[slot];
    return this.cachedView(`t${slot}\u0000${name}`, base + layout.offset * 4, layout.size);
  }

  private checkStateSlot(group: number, slot: string): void {
    if (!this.groups[group].stateSlots.includes(slot)) {
      const have = this.groups[group].stateSlots;
      throw new TensorError(
        `Unknown state slot '${slot}' for ${this.rule}; this tensor's slots are: ${have.length ? have.join(', ') : '(none)'}`,
      );
    }
  }

  /** A tensor's part of a slot in the slot's dtype; for `<slot>.absmax`, the tensor's blocks. */
  private rawTensorView(name: string, slot: string): RawStateArray {
    const { group, layout: t } = this.entry(name);
    const g = this.groups[group].layout;
    const base = g.slotByteOffset[slot];
    if (slot.endsWith('.absmax')) return new Float32Array(this.arena.memory.buffer, base + (t.offset / QUANT_BLOCK) * 4, blockCount(t.size));
    const ctor = RAW_ARRAYS[g.slotDtype[slot]];
    return new ctor(this.arena.memory.buffer, base + t.offset * ctor.BYTES_PER_ELEMENT, t.size);
  }

  /** Writes float32 values into a tensor's slot, encoding them for low-precision storage. */
  private encodeTensorState(name: string, slot: string, data: ArrayLike<number>): void {
    const { group } = this.entry(name);
    const dtype = this.groups[group].layout.slotDtype[slot];
    const raw = this.rawTensorView(name, slot);
    if (dtype === 'float32') (raw as Float32Array).set(data);
    else if (dtype === 'bfloat16') encodeBf16(data, raw as Uint16Array);
    else this.encodeQ8Tensor(name, slot, data);
  }

  /** Quantizes a tensor's values over its whole blocks (the padding after it holds zeros). */
  private encodeQ8Tensor(name: string, slot: string, data: ArrayLike<number>): void {
    const { group, layout: t } = this.entry(name);
    const g = this.groups[group].layout;
    const blocks = blockCount(t.size);
    const Codes = RAW_ARRAYS[g.slotDtype[slot]] as typeof Int8Array | typeof Uint8Array;
    const codes = new Codes(this.arena.memory.buffer, g.slotByteOffset[slot] + t.offset, blocks * QUANT_BLOCK);
    const padded = new Float32Array(blocks * QUANT_BLOCK);
    padded.set(data);
    encodeQ8(padded, codes, this.rawTensorView(name, absmaxSlot(slot)) as Float32Array);
  }

  /**
   * Checks one slot's values from a state dict and returns the write: the storage form copied as is
   * (with its absmaxes), or float32 values encoded; another storage form is a StateDictError.
   */
  private stateWrite(t: TensorLayout, slot: string, dtype: SlotDtype, values: ArrayLike<number>, absmax: unknown): () => void {
    const rawFor: Record<SlotDtype, string> = { float32: 'Float32Array', bfloat16: 'Uint16Array', int8: 'Int8Array', uint8: 'Uint8Array' };
    const isRaw = values instanceof Uint16Array || values instanceof Int8Array || values instanceof Uint8Array;
    if (!isRaw) return () => this.encodeTensorState(t.name, slot, values);
    if (!(values instanceof RAW_ARRAYS[dtype])) {
      throw new StateDictError(
        `State slot '${slot}' of tensor '${t.name}' is a ${values.constructor.name}; this optimizer stores it as ${dtype} (${rawFor[dtype]}, or float32 values)`,
      );
    }
    if (!isQuantized(dtype)) return () => this.rawTensorView(t.name, slot).set(values);
    const blocks = blockCount(t.size);
    const scales = absmax as ArrayLike<number> | undefined;
    if (!scales || typeof scales !== 'object' || scales.length !== blocks) {
      throw new StateDictError(
        `State slot '${slot}' of tensor '${t.name}' holds 8-bit codes but '${absmaxSlot(slot)}' has ${String(scales?.length)} values; expected ${blocks}`,
      );
    }
    return () => {
      this.rawTensorView(t.name, slot).set(values);
      (this.rawTensorView(t.name, absmaxSlot(slot)) as Float32Array).set(scales);
    };
  }

  /** Fills a whole slot (padding included) with a constant, in the slot's storage form. */
  private fillSlot(group: number, slot: string, value: number): void {
    const g = this.groups[group].layout;
    const dtype = g.slotDtype[slot];
    if (dtype === 'float32') {
      this.slotView(group, slot).fill(value);
      return;
    }
    const filled = new Float32Array(g.slotLength).fill(value);
    if (dtype === 'bfloat16') encodeBf16(filled, this.slotRaw(group, slot) as Uint16Array);
    else encodeQ8(filled, this.slotRaw(group, slot) as Int8Array | Uint8Array, this.slotRaw(group, absmaxSlot(slot)) as Float32Array);
  }

  private cachedView(key: string, byteOffset: number, length: number): Float32Array {
    const cached = this.views.get(key);
    if (cached && cached.buffer === this.arena.memory.buffer) return cached;
    const view = this.arena.view(byteOffset, length);
    this.views.set(key, view);
    return view;
  }

  private copyIn(name: string, slot: string, data: ArrayLike<number>): void {
    const view = this.tensorView(name, slot);
    if (ArrayBuffer.isView(data) && data.buffer.byteLength === 0 && view.length > 0) {
      throw new TensorError(`Data for tensor '${name}' is in a detached ArrayBuffer (was it transferred to a worker?)`);
    }
    if (!data || typeof data.length !== 'number' || data.length !== view.length) {
      throw new TensorError(
        `Tensor '${name}' has ${view.length} elements; got ${String(data?.length)} values`,
      );
    }
    view.set(data);
  }
}
