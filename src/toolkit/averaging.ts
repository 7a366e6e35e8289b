/**
 * Weight averaging with torch.optim.swa_utils.AveragedModel's semantics, kept as copies of the
 * param slots (one Float32Array per group).
 *
 *   first update:  θ̄ ← θ
 *   'swa':         θ̄ ← θ̄ + (θ − θ̄) / (n + 1)          (equal-weight average of the n + 1 snapshots; Izmailov et al. 2018)
 *   'ema':         θ̄ ← θ̄ + (1 − decay) (θ − θ̄)         (exponential moving average, torch's EMA avg_fn)
 * where n counts the updates so far (`nAveraged`). Pair 'swa' with the SWALR schedule.
 */
import { InvalidOptionError, StateDictError, TensorError } from '../errors';
import { checkSnapshot, snapshotParams, type SnapshotOptimizer } from './snapshot';

export interface AveragedModelOptions {
  strategy: 'swa' | 'ema';
  /** EMA decay in [0, 1]; ignored by 'swa'. */
  decay: number;
}

const DEFAULTS: AveragedModelOptions = { strategy: 'swa', decay: 0.999 };

export interface AveragedModelState {
  readonly strategy: 'swa' | 'ema';
  readonly decay: number;
  readonly nAveraged: number;
  /** The averages (per group param slot), or null before the first update. */
  readonly averages: Float32Array[] | null;
}

export class AveragedModel {
  readonly options: Readonly<AveragedModelOptions>;
  /** Updates so far. */
  nAveraged = 0;
  private averages: Float32Array[] | null = null;

  constructor(
    private readonly optimizer: SnapshotOptimizer & { readonly tensorNames: readonly string[] },
    options: Partial<AveragedModelOptions> = {},
  ) {
    for (const key of Object.keys(options)) {
      if (!(key in DEFAULTS)) throw new InvalidOptionError(`Unknown option '${key}' for AveragedModel; known options: strategy, decay`);
    }
    const o = { ...DEFAULTS, ...options };
    if (o.strategy !== 'swa' && o.strategy !== 'ema') throw new InvalidOptionError(`strategy must be one of 'swa', 'ema', instead got ${String(o.strategy)}`);
    if (typeof o.decay !== 'number' || !(o.decay >= 0 && o.decay <= 1)) throw new InvalidOptionError(`Invalid decay value: ${String(o.decay)} (expected 0 <= decay <= 1)`);
    this.options = o;
  }

  /** Folds the optimizer's current parameters into the average (torch's `update_parameters`). */
  updateParameters(): void {
    if (!this.averages) {
      this.averages = snapshotParams(this.optimizer);
    } else {
      const w = this.options.strategy === 'swa' ? 1 / (this.nAveraged + 1) : 1 - this.options.decay;
      this.averages.forEach((avg, g) => {
        const p = this.optimizer.slotView(g, 'param');
        for (let i = 0; i < avg.length; i++) avg[i] += (p[i] - avg[i]) * w;
      });
    }
    this.nAveraged += 1;
  }

  /** The averaged values of one tensor (a view into the average; null before the first update). */
  param(name: string): Float32Array | null {
    if (!this.averages) return null;
    for (const [g, group] of this.optimizer.layout.groups.entries()) {
      const t = group.tensors.find((x) => x.name === name);
      if (t) return this.averages[g].subarray(t.offset, t.offset + t.size);
    }
    throw new TensorError(`Unknown tensor '${name}'; tensors: ${this.optimizer.tensorNames.join(', ')}`);
  }

  /**
   * Exchanges the averages and the optimizer's parameters in place: call once to evaluate with
   * the averaged weights, again to go back to training (no copy is allocated).
   */
  swap(): void {
    if (!this.averages) throw new StateDictError('AveragedModel.swap: nothing averaged yet; call updateParameters() first');
    this.averages.forEach((avg, g) => {
      const p = this.optimizer.slotView(g, 'param');
      for (let i = 0; i < avg.length; i++) {
        const t = p[i];
        p[i] = avg[i];
        avg[i] = t;
      }
    });
  }

  /** Writes the averages into the optimizer's parameters (e.g. at the end of SWA). */
  copyToParams(): void {
    if (!this.averages) throw new StateDictError('AveragedModel.copyToParams: nothing averaged yet; call updateParameters() first');
    this.averages.forEach((avg, g) => this.optimizer.slotView(g, 'param').set(avg));
  }

  stateDict(): AveragedModelState {
    return { ...this.options, nAveraged: this.nAveraged, averages: this.averages ? this.averages.map((a) => a.slice()) : null };
  }

  loadStateDict(state: AveragedModelState): void {
    if (!state || !Number.isInteger(state.nAveraged) || state.nAveraged < 0) throw new StateDictError('AveragedModel state needs an integer nAveraged >= 0');
    if (state.strategy !== this.options.strategy || state.decay !== this.options.decay) {
      throw new StateDictError(`AveragedModel state was saved with ${state.strategy} (decay ${state.decay}); this one uses ${this.options.strategy} (decay ${this.options.decay})`);
    }
    if (state.averages !== null) checkSnapshot(this.optimizer, state.averages, 'AveragedModel average');
    if ((state.averages === null) !== (state.nAveraged === 0)) throw new StateDictError('AveragedModel state: averages must be present exactly when nAveraged > 0');
    this.nAveraged = state.nAveraged;
    this.averages = state.averages ? state.averages.map((a) => a.slice()) : null;
  }
}
