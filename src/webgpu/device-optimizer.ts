/**
 * An optimizer whose parameter groups each step on wasm (the CPU arena) or on WebGPU (ONNX Runtime
 * Web running the rule's graph over GPU-resident slots in the same layout), chosen per group and
 * movable between any two steps.
 *
 * Each group is backed by its own single-group CPU `Optimizer`: it owns the group's options (the
 * live `paramGroups[g]`), validates them, and holds the group's state. While a group is on the GPU
 * that CPU copy is its *last acknowledged state*: the state at the moment it moved to the GPU, or
 * at the last `sync()` / `stateDict()` / automatic snapshot (`snapshotEvery`). A snapshot is only
 * written after every read-back of it succeeded, and a read-back from a lost device fails, so the
 * CPU copy never holds values that were not computed.
 *
 * Device loss (`onDeviceLost`):
 * - 'error' (default): the call that notices it rejects with DeviceLostError, as does every later
 *   call that needs the lost groups, until `recover()` resumes them on wasm from their last
 *   acknowledged state (steps after it are dropped; `recover()` reports which step each resumed at).
 * - 'fallback': the same recovery happens automatically inside the call that notices the loss;
 *   the lost groups skip that step (its gradients were computed against parameters that no longer
 *   exist), `onFallback` is called, and `explain()` says what happened. CPU groups are unaffected.
 */
import { Optimizer, type GroupInput, type ParamDict, type ParamGroup, type StateDict, type TensorState } from '../optimizer';
import { StateDictError, TensorError, InvalidOptionError } from '../errors';
import type { GroupLayout, TensorLayout } from '../layout';
import { RULES } from '../rules/index';
import type { AnyRuleSpec, RuleSpec, Scalars } from '../rules/spec';
import { checkKnownKeys } from '../validate';
import { GpuGroupArena } from './arena';
import { calibrate } from './calibrate';
import { decide, type Backend, type BackendChoice, type CostModel, type DataLocation, type Explanation } from './dispatch';
import { BackendUnavailableError, DataLocationError, DeviceLostError } from './errors';
import { runGroupStep } from './executor';
import { GRAPHS } from './graphs/index';
import { isGpuBuffer, isGpuTensor, type OrtModule, type OrtTensor } from './ort';
import { BUFFER_USAGE, MAP_READ, getRuntime, type GpuRuntime } from './runtime';

/** Where values for setParam/setGrad may come from. */
export type TensorSource = ArrayLike<number> | GPUBuffer | OrtTensor;

/** A group with its placement: rule options plus `backend` and `dataOn`. */
export type DeviceGroupInput<O> = GroupInput<O> & { readonly backend?: BackendChoice; readonly dataOn?: DataLocation };

export interface DeviceConfig {
  /** Backend for every group without its own `backend` (default 'auto'). */
  readonly backend?: BackendChoice;
  /** Where gradients come from and parameters are consumed, for the cost model (default 'cpu'). */
  readonly dataOn?: DataLocation;
  /** Your ONNX Runtime Web module (its WebGPU build); default `import('onnxruntime-web/webgpu')`. */
  readonly ort?: OrtModule;
  /** Cost-model coefficients; any left out are measured (only when some group is 'auto'). */
  readonly costModel?: Partial<Omit<CostModel, 'source'>>;
  /** What a device loss does: 'error' (default) or 'fallback' to wasm. */
  readonly onDeviceLost?: 'error' | 'fallback';
  /** Called after an automatic fallback. */
  readonly onFallback?: (info: FallbackInfo) => void;
  /** Snapshot GPU groups to the CPU every this many steps (0 = only on sync/stateDict/moveTo; default 0). */
  readonly snapshotEvery?: number;
  /** Upper bound on the elements of one GPU buffer (default: the device's limits). Tests use it to force chunking. */
  readonly maxChunkElements?: number;
}

export interface FallbackInfo {
  readonly reason: string;
  /** Per lost group: the step it was at on the GPU and the step it resumed from on wasm. */
  readonly groups: readonly { readonly group: number; readonly lostAtStep: number; readonly resumedAtStep: number }[];
}

/** Where a slot's values lie on the GPU: one entry per chunk (valid until the next step). */
export interface SlotBuffer {
  readonly buffer: GPUBuffer;
  /** First slot element held by this buffer. */
  readonly offset: number;
  readonly length: number;
}

interface GpuState {
  readonly arena: GpuGroupArena;
  scalars: Scalars;
  stepsSinceSnapshot: number;
}

interface Group<O extends object> {
  readonly index: number;
  readonly cpu: Optimizer<O>;
  readonly layout: GroupLayout;
  readonly requested: BackendChoice;
  readonly dataOn: DataLocation;
  backend: Backend;
  gpu: GpuState | null;
  /** Set when the device was lost while this group was on it: the step it had reached. */
  lostAtStep: number | null;
  explanation: Explanation;
}

interface TensorEntry {
  readonly group: number;
  readonly layout: TensorLayout;
}

const PLACEMENT_KEYS = ['backend', 'dataOn'];
const BACKENDS: readonly string[] = ['auto', 'wasm', 'webgpu'];
const LOCATIONS: readonly string[] = ['cpu', 'gpu'];

function checkChoice(what: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) {
    throw new InvalidOptionError(`Invalid ${what}: ${String(value)} (expected ${allowed.map((a) => `'${a}'`).join(', ')})`);
  }
}

/**
 * Creates an optimizer for `rule` (a registry name or a spec) whose groups step on wasm or WebGPU.
 * Never fails for lack of WebGPU: such groups step on wasm, and `explain()` says why.
 */
export async function createOptimizer<O extends object = Record<string, unknown>>(
  rule: string | RuleSpec<O, unknown>,
  params: ParamDict | readonly DeviceGroupInput<NoInfer<O>>[],
  options: Partial<NoInfer<O>> = {},
  config: DeviceConfig = {},
): Promise<DeviceOptimizer<O>> {
  const spec = (typeof rule === 'string' ? RULES[rule] : rule) as RuleSpec<O, unknown> | undefined;
  if (!spec) throw new InvalidOptionError(`Unknown rule '${String(rule)}'; known rules: ${Object.keys(RULES).join(', ')}`);
  checkChoice('backend', config.backend ?? 'auto', BACKENDS);
  checkChoice('dataOn', config.dataOn ?? 'cpu', LOCATIONS);
  checkChoice('onDeviceLost', config.onDeviceLost ?? 'error', ['error', 'fallback']);
  const snapshotEvery = config.snapshotEvery ?? 0;
  if (!Number.isInteger(snapshotEvery) || snapshotEvery < 0) throw new InvalidOptionError(`Invalid snapshotEvery: ${snapshotEvery} (expected an integer >= 0)`);
  if (config.maxChunkElements !== undefined && !(Number.isInteger(config.maxChunkElements) && config.maxChunkElements > 0)) {
    throw new InvalidOptionError(`Invalid maxChunkElements: ${config.maxChunkElements}`);
  }

  const inputs: DeviceGroupInput<O>[] = Array.isArray(params) ? [...params] : [{ params } as DeviceGroupInput<O>];
  if (inputs.length === 0) throw new TensorError('The optimizer got an empty list of parameter groups');
  const seen = new Set<string>();
  const groups: Group<O>[] = inputs.map((input, index) => {
    if (!input || typeof input !== 'object' || !input.params || typeof input.params !== 'object') {
      throw new TensorError(`Parameter group ${index} has no 'params' object`);
    }
    const { backend = config.backend ?? 'auto', dataOn = config.dataOn ?? 'cpu', ...group } = input;
    checkChoice(`backend of group ${index}`, backend, BACKENDS);
    checkChoice(`dataOn of group ${index}`, dataOn, LOCATIONS);
    for (const name of Object.keys(group.params)) {
      if (seen.has(name)) throw new TensorError(`Tensor '${name}' appears in more than one parameter group`);
      seen.add(name);
    }
    const cpu = new Optimizer<O>(spec, [group as GroupInput<O>], options);
    const explanation: Explanation = { group: index, requested: backend, backend: 'wasm', reasons: ['not placed yet'] };
    return { index, cpu, layout: cpu.layout.groups[0], requested: backend, dataOn, backend: 'wasm', gpu: null, lostAtStep: null, explanation };
  });

  const opt = new DeviceOptimizer<O>(spec, groups, config, snapshotEvery);
  await opt.place(groups.map((g) => g.index), undefined);
  return opt;
}

export class DeviceOptimizer<O extends object> {
  /** The rule's registry name. */
  readonly rule: string;
  /** Live group options (assign e.g. `paramGroups[0].lr` between steps); shared by both backends. */
  readonly paramGroups: ParamGroup<O>[];

  private readonly tensors = new Map<string, TensorEntry>();
  private runtime: GpuRuntime | null = null;
  private unavailable: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingReads: (() => Promise<void>)[] = [];
  private disposed = false;

  /** Use createOptimizer(). */
  constructor(
    private readonly spec: RuleSpec<O, unknown>,
    private readonly groups: Group<O>[],
    private readonly config: DeviceConfig,
    private readonly snapshotEvery: number,
  ) {
    this.rule = spec.name;
    this.paramGroups = groups.map((g) => g.cpu.paramGroups[0]);
    for (const g of groups) for (const t of g.layout.tensors) this.tensors.set(t.name, { group: g.index, layout: t });
  }

  /** Names of all tensors, in declaration order. */
  get tensorNames(): string[] {
    return [...this.tensors.keys()];
  }

  /** The number of groups. */
  get groupCount(): number {
    return this.groups.length;
  }

  /** Group `g`'s slot layout: the same tensor offsets on both backends and in checkpoints. */
  groupLayout(group = 0): GroupLayout {
    return this.group(group).layout;
  }

  /** Where group `g` steps now. */
  backendOf(group = 0): Backend {
    return this.group(group).backend;
  }

  /** Why each group is where it is (or one group's explanation). */
  explain(): Explanation[];
  explain(group: number): Explanation;
  explain(group?: number): Explanation | Explanation[] {
    return group === undefined ? this.groups.map((g) => g.explanation) : this.group(group).explanation;
  }

  /** The number of steps group `g` has taken. */
  stepCount(group = 0): number {
    const g = this.group(group);
    return g.gpu ? g.gpu.scalars.step : g.cpu.stepCount(0);
  }

  /** Group-level scalar state (a copy). */
  scalars(group = 0): Scalars {
    const g = this.group(group);
    return g.gpu ? { ...g.gpu.scalars } : g.cpu.scalars(0);
  }

  shape(name: string): readonly number[] {
    return this.entry(name).layout.shape;
  }

  /** Zero-copy view of a parameter of a wasm group (throws DataLocationError for a GPU group: use readParam). */
  param(name: string): Float32Array {
    return this.cpuGroupOf(name, 'param', 'readParam(name)').cpu.param(name);
  }

  /** Zero-copy view of a gradient of a wasm group (throws DataLocationError for a GPU group: use setGrad). */
  grad(name: string): Float32Array {
    return this.cpuGroupOf(name, 'grad', 'setGrad(name, data)').cpu.grad(name);
  }

  /**
   * Sets a parameter from a Float32Array/array (uploaded to a GPU group), a GPUBuffer or an ORT
   * gpu-buffer tensor (copied on the GPU for a GPU group; read back at the next async call for a
   * wasm group). GPU sources must hold the tensor's elements from byte 0 and come from ORT's device.
   */
  setParam(name: string, data: TensorSource): void {
    this.setSlot(name, 'param', data);
  }

  /** Sets a gradient; sources as for setParam. */
  setGrad(name: string, data: TensorSource): void {
    this.setSlot(name, 'grad', data);
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    for (const g of this.groups) {
      this.checkUsable(g);
      if (g.gpu) g.gpu.arena.clear('grad');
      else g.cpu.zeroGrad();
    }
  }

  /**
   * The GPU buffers holding `slot` of a WebGPU group, one per chunk: e.g. write gradients straight
   * into `slotBuffers(g, 'grad')` (stable), or read parameters from `slotBuffers(g, 'param')`
   * (valid until the next step: the sets ping-pong).
   */
  slotBuffers(group: number, slot: string): SlotBuffer[] {
    const g = this.group(group);
    this.checkUsable(g);
    if (!g.gpu) throw new DataLocationError(`Group ${group} steps on wasm; its slots live in CPU memory (see slotView on the CPU optimizer)`);
    if (!g.layout.slots.includes(slot)) throw new TensorError(`Group ${group} has no slot '${slot}'; slots: ${g.layout.slots.join(', ')}`);
    const arena = g.gpu.arena;
    return arena.chunks.map((c, k) => ({ buffer: arena.buffer(slot, k), offset: c.offset, length: c.length }));
  }

  /** Copies a GPU group's parameter into `dst` (at `dstByteOffset`) on the GPU: no read-back. */
  copyParamTo(name: string, dst: GPUBuffer, dstByteOffset = 0): void {
    const { group, layout } = this.entry(name);
    const g = this.groups[group];
    this.checkUsable(g);
    if (!g.gpu) throw new DataLocationError(`Tensor '${name}' lives in CPU memory (group ${group} steps on wasm); use param(name)`);
    if (dst.size < dstByteOffset + layout.size * 4) throw new TensorError(`copyParamTo: the destination buffer is too small for '${name}'`);
    g.gpu.arena.copyTo('param', layout.offset, dst, dstByteOffset, layout.size);
  }

  /** A copy of a parameter, wherever it lives. */
  readParam(name: string): Promise<Float32Array> {
    return this.exclusive(async () => this.readTensor(name, 'param'));
  }

  /** A copy of a gradient, wherever it lives. */
  readGrad(name: string): Promise<Float32Array> {
    return this.exclusive(async () => this.readTensor(name, 'grad'));
  }

  /** A copy of one state slot of a tensor, wherever it lives. */
  readState(name: string, slot: string): Promise<Float32Array> {
    return this.exclusive(async () => {
      const { group } = this.entry(name);
      // An unknown slot: the CPU optimizer's error names the slots there are.
      if (!this.groups[group].layout.slots.slice(2).includes(slot)) return this.groups[group].cpu.state(name, slot);
      return this.readTensor(name, slot);
    });
  }

  /**
   * One step of every group. Options of all groups are validated before anything runs. GPU groups
   * run their graph per chunk and read nothing back.
   */
  step(): Promise<void> {
    return this.exclusive(async () => {
      for (const g of this.groups) this.checkUsable(g);
      const plans = this.groups.map((g) => {
        const o = this.checkedOptions(g);
        if (!g.gpu) return null;
        const scalars = { ...g.gpu.scalars, step: g.gpu.scalars.step + 1 };
        return { o, scalars, coef: this.spec.coefficients(o, scalars) };
      });
      for (const g of this.groups) {
        const plan = plans[g.index];
        if (!plan || !g.gpu) continue;
        const rt = this.runtime!;
        const gpu = g.gpu;
        if (!(await this.guardGpu(() => rt.checkAlive()))) continue;
        const rs = await rt.session(this.spec as AnyRuleSpec, plan.o);
        if (!(await this.guardGpu(() => runGroupStep(rt, rs, gpu.arena, this.spec as AnyRuleSpec, plan.o, plan.coef, plan.scalars)))) continue;
        gpu.scalars = plan.scalars;
        gpu.stepsSinceSnapshot++;
      }
      for (const g of this.groups) if (!g.gpu && plans[g.index] === null && g.lostAtStep === null) g.cpu.step();
      if (this.snapshotEvery > 0) {
        for (const g of this.groups) {
          if (g.gpu && g.gpu.stepsSinceSnapshot >= this.snapshotEvery) await this.guardGpu(() => this.snapshot(g, false));
        }
      }
    });
  }

  /**
   * Moves groups (default: all) to `backend` between steps; state, parameters and gradients move
   * with them. A group asked onto WebGPU where it is unusable stays on wasm (see the explanation).
   */
  moveTo(backend: Backend, groups?: readonly number[]): Promise<Explanation[]> {
    checkChoice('backend', backend, ['wasm', 'webgpu']);
    const which = groups ? groups.map((i) => this.group(i).index) : this.groups.map((g) => g.index);
    return this.exclusive(async () => {
      await this.place(which, backend);
      return which.map((i) => this.groups[i].explanation);
    });
  }

  /**
   * Reads GPU groups' state back into their CPU copies: they become the last acknowledged state
   * (what `recover()` and the 'fallback' policy resume from).
   */
  sync(): Promise<void> {
    return this.exclusive(async () => {
      for (const g of this.groups) {
        this.checkUsable(g);
        if (g.gpu) await this.guardGpu(() => this.snapshot(g, false));
      }
    });
  }

  /**
   * A torch-style state dict, the same whichever backend each group is on (GPU groups are read
   * back first, which also makes this their last acknowledged state).
   */
  stateDict(): Promise<StateDict<O>> {
    return this.exclusive(async () => {
      for (const g of this.groups) {
        this.checkUsable(g);
        if (g.gpu) await this.guardGpu(() => this.snapshot(g, false));
      }
      const parts = this.groups.map((g) => g.cpu.stateDict());
      const state: Record<string, TensorState> = {};
      for (const p of parts) Object.assign(state, p.state);
      return { rule: this.rule, state, param_groups: parts.map((p) => p.param_groups[0]) };
    });
  }

  /**
   * Loads a state dict written by any edgeoptim optimizer of this rule and layout, whichever
   * backend wrote it. Checked before anything changes; on a failure nothing changes.
   */
  loadStateDict(sd: StateDict<O>): Promise<void> {
    return this.exclusive(async () => {
      if (!sd || typeof sd !== 'object') throw new StateDictError('loadStateDict expects an object from stateDict()');
      if (sd.rule !== this.rule) {
        throw new StateDictError(`State dict was saved by rule '${String(sd.rule)}'; this optimizer is '${this.rule}'`);
      }
      if (!Array.isArray(sd.param_groups) || sd.param_groups.length !== this.groups.length) {
        throw new StateDictError(
          `State dict has ${Array.isArray(sd.param_groups) ? sd.param_groups.length : 'no'} parameter groups; this optimizer has ${this.groups.length}`,
        );
      }
      for (const g of this.groups) {
        this.checkUsable(g);
        if (g.gpu) await this.guardGpu(() => this.snapshot(g, false));
      }
      const backups = this.groups.map((g) => g.cpu.stateDict());
      try {
        for (const g of this.groups) {
          const names = g.layout.tensors.map((t) => t.name);
          const state: Record<string, TensorState> = {};
          for (const n of names) if (sd.state?.[n] !== undefined) state[n] = sd.state[n];
          g.cpu.loadStateDict({ rule: sd.rule, state, param_groups: [sd.param_groups[g.index]] });
        }
      } catch (err) {
        this.groups.forEach((g, i) => g.cpu.loadStateDict(backups[i]));
        throw err;
      }
      for (const g of this.groups) {
        if (!g.gpu) continue;
        for (const slot of g.layout.slots.slice(2)) g.gpu.arena.write(slot, 0, g.cpu.slotView(0, slot));
        g.gpu.scalars = g.cpu.scalars(0);
        g.gpu.stepsSinceSnapshot = 0;
      }
    });
  }

  /**
   * After a device loss: resumes every lost group on wasm from its last acknowledged state.
   * Returns, per recovered group, the step it had reached and the step it resumes from.
   */
  recover(): Promise<FallbackInfo> {
    return this.exclusive(async () => this.recoverLost());
  }

  /** Frees GPU buffers. The optimizer is unusable afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const g of this.groups) {
      g.gpu?.arena.destroy();
      g.gpu = null;
    }
  }

  // ---- placement -------------------------------------------------------------------------

  /** Places groups: `target` undefined means each group's requested backend (creation). */
  async place(which: readonly number[], target: Backend | undefined): Promise<void> {
    const wants = which.map((i) => ({ g: this.groups[i], requested: target ?? this.groups[i].requested }));
    for (const { g } of wants) this.checkUsable(g);
    const needGpu = wants.some(({ g, requested }) => requested !== 'wasm' && GRAPHS[this.rule] !== undefined && !g.gpu);
    if (needGpu) await this.ensureRuntime();

    for (const { g, requested } of wants) {
      const facts = {
        group: g.index,
        rule: this.rule,
        slotLength: g.layout.slotLength,
        chunks: this.runtime ? Math.max(1, Math.ceil(g.layout.slotLength / this.chunkElements())) : 1,
        dataOn: g.dataOn,
        hasGraph: GRAPHS[this.rule] !== undefined,
        statePrecision: g.cpu.statePrecision(0),
      };
      let gpuInfo: { model: CostModel } | { unavailable: string };
      if (!this.runtime) gpuInfo = { unavailable: this.unavailable ?? 'not initialized' };
      else if (this.runtime.lost) gpuInfo = { unavailable: `the device was lost (${this.runtime.lost.reason})` };
      else if (requested === 'auto' && facts.hasGraph && facts.statePrecision === 'float32') gpuInfo = { model: await this.costModel(g) };
      else gpuInfo = { model: { cpuNsPerElement: 0, gpuFixedMs: 0, gpuNsPerElement: 0, transferNsPerElement: 0, source: 'unused' } };
      const explanation = decide(facts, requested, gpuInfo);
      if (explanation.backend === 'webgpu' && !g.gpu) await this.toGpu(g);
      else if (explanation.backend === 'wasm' && g.gpu && !(await this.guardGpu(() => this.toCpu(g)))) continue;
      g.explanation = explanation;
      g.backend = explanation.backend;
    }
  }

  private async ensureRuntime(): Promise<void> {
    if (this.runtime || this.unavailable) return;
    try {
      this.runtime = await getRuntime(this.config.ort);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.unavailable = err.message.replace(/^WebGPU is unavailable: /, '');
    }
  }

  private chunkElements(): number {
    const align = this.groups[0].cpu.layout.alignElements;
    const device = this.runtime!.maxChunkElements(align);
    const given = this.config.maxChunkElements;
    return given === undefined ? device : Math.max(align, Math.floor(Math.min(given, device) / align) * align);
  }

  private async costModel(g: Group<O>): Promise<CostModel> {
    const given = this.config.costModel ?? {};
    const keys = ['cpuNsPerElement', 'gpuFixedMs', 'gpuNsPerElement', 'transferNsPerElement'] as const;
    if (keys.every((k) => typeof given[k] === 'number')) return { ...(given as Omit<CostModel, 'source'>), source: 'given' };
    const measured = await calibrate(this.runtime!, this.spec as AnyRuleSpec, this.optionsOf(g));
    const merged = { ...measured, ...given };
    return { ...merged, source: keys.some((k) => typeof given[k] === 'number') ? 'measured and given' : 'measured' };
  }

  private async toGpu(g: Group<O>): Promise<void> {
    const rt = this.runtime!;
    const o = this.checkedOptions(g);
    await rt.session(this.spec as AnyRuleSpec, o); // compile before allocating
    const arena = new GpuGroupArena(rt.device, rt.ort, g.layout, this.chunkElements());
    for (const slot of g.layout.slots) arena.write(slot, 0, g.cpu.slotView(0, slot));
    g.gpu = { arena, scalars: g.cpu.scalars(0), stepsSinceSnapshot: 0 };
  }

  private async toCpu(g: Group<O>): Promise<void> {
    await this.snapshot(g, true);
    g.gpu!.arena.destroy();
    g.gpu = null;
  }

  /** Reads a GPU group back into its CPU optimizer; writes only after every read succeeded. */
  private async snapshot(g: Group<O>, withGrad: boolean): Promise<void> {
    const gpu = g.gpu!;
    this.runtime!.checkAlive();
    const slots = g.layout.slots.filter((s) => withGrad || s !== 'grad');
    const values = await Promise.all(slots.map((s) => gpu.arena.read(s)));
    this.runtime!.checkAlive();
    const data = Object.fromEntries(slots.map((s, i) => [s, values[i]]));
    const scalars = gpu.scalars;
    const state: Record<string, TensorState> = {};
    for (const t of g.layout.tensors) {
      const entry: TensorState = { ...scalars };
      for (const slot of g.layout.slots.slice(2)) entry[slot] = data[slot].subarray(t.offset, t.offset + t.size);
      state[t.name] = entry;
    }
    const options = this.optionsOf(g);
    g.cpu.loadStateDict({ rule: this.rule, state, param_groups: [{ ...options, params: g.cpu.paramGroups[0].params }] as StateDict<O>['param_groups'] });
    // Padding too: the whole slot, so the CPU copy equals the GPU slot element for element.
    for (const slot of slots) g.cpu.slotView(0, slot).set(data[slot]);
    gpu.stepsSinceSnapshot = 0;
  }

  // ---- device loss -----------------------------------------------------------------------

  /**
   * Runs a GPU operation; on device loss applies the policy: throws DeviceLostError under 'error';
   * under 'fallback' recovers the lost groups onto wasm and returns false, and the caller carries
   * on with those groups on the CPU.
   */
  private async guardGpu(op: () => unknown): Promise<boolean> {
    try {
      await op();
      if (!this.runtime?.lost) return true;
    } catch (err) {
      if (!(await this.deviceGone())) throw err;
    }
    this.markLost();
    if (this.config.onDeviceLost !== 'fallback') throw this.lostError();
    const info = this.recoverLost();
    this.config.onFallback?.(info);
    return false;
  }

  /** Whether the device is lost (gives a pending `lost` promise a moment to settle). */
  private async deviceGone(): Promise<boolean> {
    if (!this.runtime) return false;
    if (this.runtime.lost) return true;
    await Promise.race([this.runtime.device.lost, new Promise((r) => setTimeout(r, 10))]);
    await Promise.resolve();
    return this.runtime.lost !== null;
  }

  private markLost(): void {
    for (const g of this.groups) {
      if (!g.gpu) continue;
      g.lostAtStep = g.gpu.scalars.step;
      g.gpu = null; // its buffers died with the device
    }
  }

  private lostError(): DeviceLostError {
    const lost = this.runtime?.lost ?? { reason: 'unknown', message: '' };
    const steps = this.groups.map((g) => (g.lostAtStep !== null ? g.cpu.stepCount(0) : null));
    const which = this.groups.filter((g) => g.lostAtStep !== null).map((g) => `group ${g.index} (last acknowledged step ${g.cpu.stepCount(0)})`);
    return new DeviceLostError(
      `The WebGPU device was lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''}); GPU state of ${which.join(', ') || 'no group'} is gone. `
        + 'Call recover() to resume on wasm from the last acknowledged state, or load a checkpoint.',
      lost.reason,
      steps,
    );
  }

  private recoverLost(): FallbackInfo {
    const reason = this.runtime?.lost?.reason ?? 'unknown';
    const groups: { group: number; lostAtStep: number; resumedAtStep: number }[] = [];
    for (const g of this.groups) {
      if (g.lostAtStep === null) continue;
      const resumedAtStep = g.cpu.stepCount(0);
      groups.push({ group: g.index, lostAtStep: g.lostAtStep, resumedAtStep });
      g.lostAtStep = null;
      g.backend = 'wasm';
      g.explanation = {
        group: g.index,
        requested: g.requested,
        backend: 'wasm',
        reasons: [`the WebGPU device was lost (${reason}) at step ${groups[groups.length - 1].lostAtStep}; resumed on wasm from the last acknowledged state (step ${resumedAtStep})`],
      };
    }
    return { reason, groups };
  }

  // ---- helpers ---------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.disposed) throw new InvalidOptionError('This optimizer was disposed');
      await this.flushReads();
      return fn();
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async flushReads(): Promise<void> {
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const r of reads) await r();
  }

  private checkUsable(g: Group<O>): void {
    if (this.disposed) throw new InvalidOptionError('This optimizer was disposed');
    if (g.lostAtStep !== null) throw this.lostError();
  }

  private group(i: number): Group<O> {
    const g = this.groups[i];
    if (!g) throw new TensorError(`No parameter group ${i}; this optimizer has ${this.groups.length}`);
    return g;
  }

  private entry(name: string): TensorEntry {
    const e = this.tensors.get(name);
    if (!e) throw new TensorError(`Unknown tensor '${name}'; tensors: ${this.tensorNames.join(', ')}`);
    return e;
  }

  private cpuGroupOf(name: string, what: string, instead: string): Group<O> {
    const g = this.groups[this.entry(name).group];
    this.checkUsable(g);
    if (g.gpu) {
      throw new DataLocationError(`The ${what} of '${name}' lives on the GPU (group ${g.index} steps on WebGPU); use ${instead} instead`);
    }
    return g;
  }

  private optionsOf(g: Group<O>): O {
    const { params: _, ...o } = g.cpu.paramGroups[0];
    return o as unknown as O;
  }

  /** The group's options, validated as the CPU optimizer would before a step. */
  private checkedOptions(g: Group<O>): O {
    const o = this.optionsOf(g);
    checkKnownKeys(this.rule, o, Object.keys(this.spec.defaults), PLACEMENT_KEYS);
    this.spec.validate(o);
    for (const slot of this.spec.slots(o)) {
      if (!g.layout.slots.includes(slot.name)) {
        throw new InvalidOptionError(
          `Parameter group ${g.index}: these options need state slot '${slot.name}', which was not allocated at construction; create the optimizer with them instead`,
        );
      }
    }
    return o;
  }

  private async readTensor(name: string, slot: string): Promise<Float32Array> {
    const { group, layout } = this.entry(name);
    const g = this.groups[group];
    this.checkUsable(g);
    if (!g.gpu) return (slot === 'param' ? g.cpu.param(name) : slot === 'grad' ? g.cpu.grad(name) : g.cpu.state(name, slot)).slice();
    const gpu = g.gpu;
    let out: Float32Array | null = null;
    const ok = await this.guardGpu(async () => {
      out = await gpu.arena.read(slot, layout.offset, layout.size);
    });
    if (!ok) return this.readTensor(name, slot); // recovered onto wasm ('fallback')
    return out!;
  }

  private setSlot(name: string, slot: 'param' | 'grad', data: TensorSource): void {
    const { group, layout } = this.entry(name);
    const g = this.groups[group];
    this.checkUsable(g);
    const gpuSource = isGpuTensor(data) ? data.gpuBuffer : isGpuBuffer(data) ? data : null;
    if (gpuSource) {
      if (gpuSource.size < layout.size * 4) {
        throw new TensorError(`Tensor '${name}' has ${layout.size} elements; the GPU buffer holds only ${Math.floor(gpuSource.size / 4)}`);
      }
      if (g.gpu) {
        g.gpu.arena.copyFrom(slot, layout.offset, gpuSource, 0, layout.size);
        return;
      }
      if (!this.runtime) throw new DataLocationError(`'${name}' got a GPU buffer, but this optimizer has no WebGPU runtime to read it with`);
      const device = this.runtime.device;
      const size = layout.size;
      this.pendingReads.push(async () => {
        const values = await readBuffer(device, gpuSource, size);
        if (slot === 'param') g.cpu.setParam(name, values);
        else g.cpu.setGrad(name, values);
      });
      return;
    }
    if (!data || typeof (data as ArrayLike<number>).length !== 'number' || (data as ArrayLike<number>).length !== layout.size) {
      throw new TensorError(`Tensor '${name}' has ${layout.size} elements; got ${String((data as ArrayLike<number>)?.length)} values`);
    }
    if (g.gpu) {
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
      g.gpu.arena.write(slot, layout.offset, f32);
    } else if (slot === 'param') {
      g.cpu.setParam(name, data as ArrayLike<number>);
    } else {
      g.cpu.setGrad(name, data as ArrayLike<number>);
    }
  }
}

/** Reads the first `elements` float32 values of a GPU buffer (for wasm groups fed from the GPU). */
async function readBuffer(device: GPUDevice, src: GPUBuffer, elements: number): Promise<Float32Array> {
  const staging = device.createBuffer({ size: elements * 4, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(src, 0, staging, 0, elements * 4);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}
