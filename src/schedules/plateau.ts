/**
 * Reduce the lr when a metric stops improving — torch.optim.lr_scheduler.ReduceLROnPlateau.
 *
 * After each `step(metric)`: the metric improves on `best` when (mode min) metric < best·(1 − θ)
 * ('rel') or metric < best − θ ('abs'), mirrored for mode max. After more than `patience`
 * epochs without improvement, each group's lr becomes max(lr · factor, minLr), unless that changes
 * it by less than `eps`; then `cooldown` epochs pass during which bad epochs are not counted.
 */
import { checkFinite, checkInt, checkOneOf, checkOptimizer, checkOptionKeys, checkedState, perGroup, stateNumberList } from './scheduler';
import type { SchedulableOptimizer, Scheduler, SchedulerState } from './scheduler';
import { InvalidOptionError, StateDictError } from '../errors';

export interface ReduceLROnPlateauOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  /** Lower bound on the lr, for all groups or per group. */
  minLr: number | readonly number[];
  eps: number;
}

const DEFAULTS: ReduceLROnPlateauOptions = {
  mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8,
};

export class ReduceLROnPlateau implements Scheduler {
  readonly kind = 'ReduceLROnPlateau';
  readonly optimizer: SchedulableOptimizer;
  /** The best metric seen (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private options: ReduceLROnPlateauOptions;
  private minLrs: number[];
  private lastLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: Partial<ReduceLROnPlateauOptions> = {}) {
    checkOptimizer('ReduceLROnPlateau', optimizer);
    checkOptionKeys('ReduceLROnPlateau', options, Object.keys(DEFAULTS));
    const o = { ...DEFAULTS, ...options };
    this.minLrs = ReduceLROnPlateau.validate(o, optimizer.paramGroups.length);
    this.optimizer = optimizer;
    this.options = o;
    this.best = this.worst;
    this.lastLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  private static validate(o: ReduceLROnPlateauOptions, groups: number): number[] {
    checkFinite('factor', o.factor);
    if (!(o.factor < 1)) throw new InvalidOptionError('Factor should be < 1.0.');
    checkOneOf('mode', o.mode, ['min', 'max']);
    checkOneOf('thresholdMode', o.thresholdMode, ['rel', 'abs']);
    checkInt('patience', o.patience, 0);
    checkInt('cooldown', o.cooldown, 0);
    checkFinite('threshold', o.threshold);
    checkFinite('eps', o.eps);
    return perGroup('minLr', o.minLr, groups);
  }

  private get worst(): number {
    return this.options.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** Records this epoch's metric (e.g. the validation loss) and reduces the lr if it has plateaued. */
  step(metric?: number): void {
    if (typeof metric !== 'number') throw new InvalidOptionError(`ReduceLROnPlateau.step needs the metric, got ${String(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      this.reduceLr();
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.options.factor, this.minLrs[i]);
      if (g.lr - newLr > this.options.eps) g.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): SchedulerState {
    return {
      kind: this.kind,
      options: { ...this.options, minLr: [...this.minLrs] },
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLrs],
    };
  }

  loadStateDict(state: SchedulerState): void {
    const s = checkedState(this.kind, state);
    const o = { ...this.options, ...((s.options as object | undefined) ?? {}) } as ReduceLROnPlateauOptions;
    let minLrs: number[];
    try {
      minLrs = ReduceLROnPlateau.validate(o, this.optimizer.paramGroups.length);
    } catch (err) {
      throw new StateDictError(`ReduceLROnPlateau state has invalid options: ${(err as Error).message}`);
    }
    const lastLr = stateNumberList(this.kind, 'lastLr', s.lastLr, this.optimizer.paramGroups.length);
    for (const k of ['numBadEpochs', 'cooldownCounter', 'lastEpoch']) {
      if (!Number.isInteger(s[k])) throw new StateDictError(`ReduceLROnPlateau state: '${k}' must be an integer`);
    }
    if (typeof s.best !== 'number') throw new StateDictError(`ReduceLROnPlateau state: 'best' must be a number`);
    this.options = o;
    this.minLrs = minLrs;
    this.best = s.best;
    this.numBadEpochs = s.numBadEpochs as number;
    this.cooldownCounter = s.cooldownCounter as number;
    this.lastEpoch = s.lastEpoch as number;
    this.lastLrs = lastLr;
  }
}
