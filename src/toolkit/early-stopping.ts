/**
 * Early stopping on a validation metric ("beautiful free lunch", Hinton): stop when the metric has
 * not improved by more than `minDelta` for `patience` consecutive checks, optionally putting back
 * the parameters of the best check (an arena snapshot taken at each improvement).
 *
 *   improved ⇔ metric < best − minDelta (mode 'min')  or  metric > best + minDelta (mode 'max')
 *   stop     ⇔ checks since the last improvement ≥ max(patience, 1)
 * A NaN metric never improves.
 */
import { InvalidOptionError, StateDictError } from '../errors';
import { checkSnapshot, restoreParams, snapshotParams, type SnapshotOptimizer } from './snapshot';

export interface EarlyStoppingOptions {
  patience: number;
  minDelta: number;
  mode: 'min' | 'max';
  /** Snapshot the parameters at each improvement and restore them when stopping. */
  restoreBest: boolean;
}

const DEFAULTS: EarlyStoppingOptions = { patience: 10, minDelta: 0, mode: 'min', restoreBest: true };

export interface EarlyStoppingState {
  readonly best: number;
  readonly bestEpoch: number;
  readonly epoch: number;
  readonly wait: number;
  readonly stopped: boolean;
  /** The best parameters (per group param slot), or null. */
  readonly snapshot: Float32Array[] | null;
}

export class EarlyStopping {
  readonly options: Readonly<EarlyStoppingOptions>;
  /** The best metric so far (±Infinity before the first check). */
  best: number;
  /** The check (0-based) that gave `best`, or -1. */
  bestEpoch = -1;
  /** Checks so far. */
  epoch = 0;
  /** Checks since the last improvement. */
  wait = 0;
  stopped = false;
  private snapshot: Float32Array[] | null = null;

  constructor(
    private readonly optimizer: SnapshotOptimizer,
    options: Partial<EarlyStoppingOptions> = {},
  ) {
    for (const key of Object.keys(options)) {
      if (!(key in DEFAULTS)) throw new InvalidOptionError(`Unknown option '${key}' for EarlyStopping; known options: ${Object.keys(DEFAULTS).join(', ')}`);
    }
    const o = { ...DEFAULTS, ...options };
    if (!Number.isInteger(o.patience) || o.patience < 0) throw new InvalidOptionError(`Expected integer patience >= 0, but got ${String(o.patience)}`);
    if (typeof o.minDelta !== 'number' || !(o.minDelta >= 0)) throw new InvalidOptionError(`Invalid minDelta value: ${String(o.minDelta)} (expected >= 0)`);
    if (o.mode !== 'min' && o.mode !== 'max') throw new InvalidOptionError(`mode must be one of 'min', 'max', instead got ${String(o.mode)}`);
    if (typeof o.restoreBest !== 'boolean') throw new InvalidOptionError(`Invalid restoreBest: ${String(o.restoreBest)} (expected true or false)`);
    this.options = o;
    this.best = o.mode === 'min' ? Infinity : -Infinity;
  }

  isImprovement(metric: number): boolean {
    const { mode, minDelta } = this.options;
    return mode === 'min' ? metric < this.best - minDelta : metric > this.best + minDelta;
  }

  /**
   * Records a check of the metric; returns true when training should stop (and then, with
   * `restoreBest`, the best parameters are already back in place).
   */
  step(metric: number): boolean {
    if (typeof metric !== 'number') throw new InvalidOptionError(`EarlyStopping.step needs the metric, got ${String(metric)}`);
    if (this.isImprovement(metric)) {
      this.best = metric;
      this.bestEpoch = this.epoch;
      this.wait = 0;
      if (this.options.restoreBest) this.snapshot = snapshotParams(this.optimizer);
    } else {
      this.wait += 1;
    }
    this.epoch += 1;
    if (!this.stopped && this.wait > 0 && this.wait >= this.options.patience) {
      this.stopped = true;
      if (this.options.restoreBest) this.restoreBestParams();
    }
    return this.stopped;
  }

  /** Writes the best parameters seen back into the optimizer (no-op before any improvement). */
  restoreBestParams(): void {
    if (this.snapshot) restoreParams(this.optimizer, this.snapshot);
  }

  stateDict(): EarlyStoppingState {
    return {
      best: this.best, bestEpoch: this.bestEpoch, epoch: this.epoch, wait: this.wait, stopped: this.stopped,
      snapshot: this.snapshot ? this.snapshot.map((s) => s.slice()) : null,
    };
  }

  loadStateDict(state: EarlyStoppingState): void {
    if (!state || typeof state.best !== 'number' || ![state.bestEpoch, state.epoch, state.wait].every(Number.isInteger) || typeof state.stopped !== 'boolean') {
      throw new StateDictError('EarlyStopping state needs best, bestEpoch, epoch, wait and stopped');
    }
    if (state.snapshot !== null) checkSnapshot(this.optimizer, state.snapshot, 'EarlyStopping snapshot');
    Object.assign(this, { best: state.best, bestEpoch: state.bestEpoch, epoch: state.epoch, wait: state.wait, stopped: state.stopped });
    this.snapshot = state.snapshot ? state.snapshot.map((s) => s.slice()) : null;
  }
}
