/**
 * The learning-rate schedule protocol, with torch.optim.lr_scheduler's semantics (torch 1.13).
 *
 * A schedule edits `paramGroups[i].lr` (and, for OneCycleLR/CyclicLR, `momentum` or `betas[0]`) of
 * any optimizer that has live parameter groups: the wasm Optimizer today, a GPU backend later.
 * Construct it after the optimizer (the constructor performs torch's initial step, which sets the
 * lr for epoch 0), then call `optimizer.step()` before `scheduler.step()`.
 *
 * Like torch, most schedules are *chainable*: `step()` derives the new lr from the group's current
 * lr (so several schedules can act on one optimizer); `step(epoch)` uses the closed form where one
 * exists (SequentialLR relies on it to restart a schedule at epoch 0).
 */
import { InvalidOptionError, StateDictError } from '../errors';

/** What a schedule needs of a parameter group: a writable lr (and `momentum`/`betas` to cycle them). */
export interface SchedulableGroup {
  lr: number;
}

/** What a schedule needs of an optimizer: its live parameter groups (the wasm Optimizer, DeviceOptimizer). */
export interface SchedulableOptimizer {
  readonly paramGroups: readonly SchedulableGroup[];
}

/** A schedule's state: plain JSON values (non-finite numbers allowed), tagged with its class. */
export type SchedulerState = { readonly kind: string } & Readonly<Record<string, unknown>>;

/** Anything `SequentialLR`, `ChainedScheduler` and checkpoints can drive. */
export interface Scheduler {
  /** The class name, stored in state dicts (e.g. 'StepLR'). */
  readonly kind: string;
  readonly optimizer: SchedulableOptimizer;
  step(metric?: number): void;
  /** The lr of each group after the last `step()` (torch's `get_last_lr()`). */
  getLastLr(): number[];
  stateDict(): SchedulerState;
  loadStateDict(state: SchedulerState): void;
}

// torch keeps `initial_lr` in each param group (set by the first schedule attached, with
// `setdefault`); our groups reject unknown keys, so the value lives here, per optimizer.
const initialLrs = new WeakMap<SchedulableOptimizer, number[]>();

/** torch's `group.setdefault('initial_lr', group['lr'])` for every group. */
export function initialLrsOf(optimizer: SchedulableOptimizer): number[] {
  let lrs = initialLrs.get(optimizer);
  if (!lrs) {
    lrs = optimizer.paramGroups.map((g) => g.lr);
    initialLrs.set(optimizer, lrs);
  }
  return [...lrs];
}

/** torch's `group['initial_lr'] = x` (OneCycleLR overwrites it). */
export function setInitialLrs(optimizer: SchedulableOptimizer, lrs: readonly number[]): void {
  initialLrs.set(optimizer, [...lrs]);
}

export function checkOptimizer(kind: string, optimizer: unknown): asserts optimizer is SchedulableOptimizer {
  const o = optimizer as SchedulableOptimizer | undefined;
  if (
    !o || typeof o !== 'object' || !Array.isArray(o.paramGroups) || o.paramGroups.length === 0 ||
    o.paramGroups.some((g) => !g || typeof g.lr !== 'number')
  ) {
    throw new InvalidOptionError(`${kind} needs an optimizer with parameter groups that have an 'lr'`);
  }
}

/** One value per group from a scalar or a per-group list (torch's `_format_param`). */
export function perGroup(name: string, value: number | readonly number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new InvalidOptionError(`expected ${groups} values for ${name}, got ${value.length}`);
    value.forEach((v, i) => checkFinite(`${name}[${i}]`, v));
    return [...value];
  }
  checkFinite(name, value);
  return new Array<number>(groups).fill(value as number);
}

export function checkFinite(name: string, x: unknown): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidOptionError(`Invalid ${name}: ${String(x)} (expected a finite number)`);
}

export function checkInt(name: string, x: unknown, min: number): asserts x is number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
    const what = min === 1 ? `positive integer ${name}` : `integer ${name} >= ${min}`;
    throw new InvalidOptionError(`Expected ${what}, but got ${String(x)}`);
  }
}

export function checkOneOf(name: string, x: unknown, allowed: readonly string[]): void {
  if (typeof x !== 'string' || !allowed.includes(x)) {
    throw new InvalidOptionError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, instead got ${String(x)}`);
  }
}

/** Rejects unknown option names (camelCase, like every options object here). */
export function checkOptionKeys(kind: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new InvalidOptionError(`Unknown option '${key}' for ${kind}; known options: ${known.join(', ')}`);
  }
}

/** Whether a schedule cycles `betas[0]` (Adam family) rather than `momentum`; throws if neither exists. */
export function momentumTarget(kind: string, optimizer: SchedulableOptimizer, allowBetas: boolean): 'betas' | 'momentum' {
  // torch looks at optimizer.defaults; every group holds all of the rule's options, so a group will do.
  const d = optimizer.paramGroups[0] as unknown as Record<string, unknown>;
  if (allowBetas && 'betas' in d) return 'betas';
  if ('momentum' in d) {
    optimizer.paramGroups.forEach((g, i) => {
      if ((g as unknown as { momentum: number }).momentum === 0) {
        throw new InvalidOptionError(
          `${kind}: parameter group ${i} was created with momentum 0, so it has no momentum buffer; ` +
            'create the optimizer with a momentum > 0 or pass cycleMomentum: false',
        );
      }
    });
    return 'momentum';
  }
  throw new InvalidOptionError('optimizer must support momentum with `cycleMomentum` option enabled');
}

/** Writes a momentum value: `momentum`, or `betas[0]` (a new pair; the old array is not mutated). */
export function setMomentum(group: SchedulableGroup, target: 'betas' | 'momentum', value: number): void {
  const g = group as unknown as { momentum: number; betas: readonly number[] };
  if (target === 'momentum') g.momentum = value;
  else g.betas = [value, ...g.betas.slice(1)];
}

export function getMomentum(group: SchedulableGroup, target: 'betas' | 'momentum'): number {
  const g = group as unknown as { momentum: number; betas: readonly number[] };
  return target === 'momentum' ? g.momentum : g.betas[0];
}

/** Options that survive a state dict: functions (lambdas, scale functions) are not saved, like torch. */
function serializableOptions(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v === 'function' || (Array.isArray(v) && v.some((x) => typeof x === 'function'))) continue;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

function checkStateKind(kind: string, state: SchedulerState): void {
  if (!state || typeof state !== 'object') throw new StateDictError(`${kind}.loadStateDict expects an object from stateDict()`);
  if (state.kind !== kind) throw new StateDictError(`Schedule state was saved by ${String(state.kind)}; this schedule is ${kind}`);
}

function numberList(kind: string, key: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== 'number')) {
    throw new StateDictError(`${kind} state: '${key}' must be a list of ${length} numbers`);
  }
  return [...(v as number[])];
}

/**
 * Base class of the epoch-indexed schedules (torch's `_LRScheduler`). Subclasses compute the next
 * lrs in `computeLr()` (chainable form) and optionally `closedFormLr()`, and call `initialStep()` at
 * the end of their constructor.
 */
export abstract class LRScheduler<O extends object = object> implements Scheduler {
  abstract readonly kind: string;
  readonly optimizer: SchedulableOptimizer;
  /** The lrs the schedule starts from (torch's `base_lrs`: each group's `initial_lr`). */
  baseLrs: number[];
  /** The index of the last epoch (or batch) stepped; -1 before the initial step. */
  lastEpoch = -1;
  /** torch's `_step_count`: calls of `step()`, the initial step included. @internal */
  stepCount = 0;
  protected options: O;
  private lastLrs: number[] = [];

  protected constructor(kind: string, optimizer: SchedulableOptimizer, options: O) {
    checkOptimizer(kind, optimizer);
    this.optimizer = optimizer;
    this.options = options;
    this.baseLrs = initialLrsOf(optimizer);
  }

  /** The options in effect (a copy). */
  get config(): Readonly<O> {
    return { ...this.options };
  }

  /** Next lrs from the current ones (torch's `get_lr`), with `lastEpoch` already advanced. */
  protected abstract computeLr(): number[];

  /** Lrs from `baseLrs` and `lastEpoch` alone (torch's `_get_closed_form_lr`), where one exists. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /** Momentum values to write with the lrs, for the schedules that cycle it. */
  protected computeMomentum(): { target: 'betas' | 'momentum'; values: number[] } | undefined {
    return undefined;
  }

  /** Extra state besides the common fields (mutable values only). */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  /** Checks the extra state and returns the function that writes it (so a bad state changes nothing). */
  protected parseExtraState(_state: SchedulerState): () => void {
    return () => {};
  }

  /** Checks options restored from a state dict (the constructor's checks). */
  protected abstract validate(options: O): void;

  /** torch's `_initial_step`: resets the step count and steps to epoch 0. @internal */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch (or batch) and writes the new lr into every group. `epoch` selects torch's
   * deprecated closed-form path (used by SequentialLR to restart a schedule at 0).
   */
  step(epoch?: number): void {
    const saved = { lastEpoch: this.lastEpoch, stepCount: this.stepCount };
    this.stepCount += 1;
    let lrs: number[];
    let momentum: ReturnType<LRScheduler['computeMomentum']>;
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1;
        lrs = this.computeLr();
      } else {
        checkInt('epoch', epoch, 0);
        this.lastEpoch = epoch;
        lrs = this.closedFormLr() ?? this.computeLr();
      }
      momentum = this.computeMomentum();
    } catch (err) {
      Object.assign(this, saved);
      throw err;
    }
    this.applyLr(lrs, momentum);
  }

  /** Writes lrs (and momenta) into the groups. @internal */
  protected applyLr(lrs: readonly number[], momentum?: { target: 'betas' | 'momentum'; values: readonly number[] }): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
      if (momentum) setMomentum(g, momentum.target, momentum.values[i]);
    });
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** @internal SequentialLR's undo of the constructor's step. */
  setLastLr(lrs: readonly number[]): void {
    this.lastLrs = [...lrs];
  }

  /** The group lrs currently set on the optimizer. */
  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): SchedulerState {
    return {
      kind: this.kind,
      options: serializableOptions(this.options),
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLrs],
      ...this.extraState(),
    };
  }

  /** Restores `stateDict()` output; everything is checked before anything is written. */
  loadStateDict(state: SchedulerState): void {
    checkStateKind(this.kind, state);
    const n = this.optimizer.paramGroups.length;
    const baseLrs = numberList(this.kind, 'baseLrs', state.baseLrs, n);
    const lastLr = numberList(this.kind, 'lastLr', state.lastLr, n);
    if (!Number.isInteger(state.lastEpoch) || !Number.isInteger(state.stepCount)) {
      throw new StateDictError(`${this.kind} state: 'lastEpoch' and 'stepCount' must be integers`);
    }
    const options = { ...this.options, ...((state.options as object | undefined) ?? {}) } as O;
    try {
      this.validate(options);
    } catch (err) {
      throw new StateDictError(`${this.kind} state has invalid options: ${(err as Error).message}`);
    }
    const writeExtra = this.parseExtraState(state);
    this.options = options;
    this.baseLrs = baseLrs;
    this.lastLrs = lastLr;
    this.lastEpoch = state.lastEpoch as number;
    this.stepCount = state.stepCount as number;
    writeExtra();
  }
}

/** Checks a state's kind and returns it typed; for schedules outside LRScheduler. @internal */
export function checkedState(kind: string, state: SchedulerState): SchedulerState {
  checkStateKind(kind, state);
  return state;
}

export { numberList as stateNumberList };
