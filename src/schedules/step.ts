/**
 * Step decays (torch.optim.lr_scheduler.StepLR / MultiStepLR).
 *
 *   StepLR:       η_t = η_0 · γ^⌊t / stepSize⌋
 *   MultiStepLR:  η_t = η_0 · γ^(number of milestones ≤ t)      (a repeated milestone counts twice)
 *
 * Chainable like torch: `step()` multiplies the group's current lr by γ when t hits a boundary.
 */
import { LRScheduler, checkFinite, checkInt, checkOptionKeys, type SchedulableOptimizer } from './scheduler';
import { InvalidOptionError } from '../errors';

export interface StepLROptions {
  /** Period of the decay, in epochs. Required. */
  stepSize: number;
  gamma: number;
}

const STEP_DEFAULTS = { gamma: 0.1 };

export class StepLR extends LRScheduler<StepLROptions> {
  readonly kind = 'StepLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<StepLROptions> & { stepSize: number }) {
    checkOptionKeys('StepLR', options, ['stepSize', 'gamma']);
    const o = { ...STEP_DEFAULTS, ...options };
    super('StepLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: StepLROptions): void {
    checkInt('stepSize', o.stepSize, 1);
    checkFinite('gamma', o.gamma);
  }

  protected computeLr(): number[] {
    const { stepSize, gamma } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * gamma);
  }

  protected closedFormLr(): number[] {
    const { stepSize, gamma } = this.options;
    return this.baseLrs.map((b) => b * gamma ** Math.floor(this.lastEpoch / stepSize));
  }
}

export interface MultiStepLROptions {
  /** Epoch indices at which the lr is multiplied by γ. Required. */
  milestones: readonly number[];
  gamma: number;
}

const MULTISTEP_DEFAULTS = { gamma: 0.1 };

export class MultiStepLR extends LRScheduler<MultiStepLROptions> {
  readonly kind = 'MultiStepLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<MultiStepLROptions> & { milestones: readonly number[] }) {
    checkOptionKeys('MultiStepLR', options, ['milestones', 'gamma']);
    const o = { ...MULTISTEP_DEFAULTS, ...options, milestones: [...(options.milestones ?? [])] };
    super('MultiStepLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: MultiStepLROptions): void {
    if (!Array.isArray(o.milestones)) throw new InvalidOptionError(`Invalid milestones: ${String(o.milestones)} (expected a list of epochs)`);
    o.milestones.forEach((m, i) => checkInt(`milestones[${i}]`, m, 0));
    checkFinite('gamma', o.gamma);
  }

  protected computeLr(): number[] {
    const hits = this.options.milestones.filter((m) => m === this.lastEpoch).length;
    const lrs = this.currentLrs();
    if (hits === 0) return lrs;
    return lrs.map((lr) => lr * this.options.gamma ** hits);
  }

  protected closedFormLr(): number[] {
    const passed = this.options.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.options.gamma ** passed);
  }
}
