/**
 * Exponential decay (torch.optim.lr_scheduler.ExponentialLR):  η_t = η_0 · γ^t.
 * Chainable: each `step()` multiplies the group's current lr by γ.
 */
import { LRScheduler, checkFinite, checkOptionKeys, type SchedulableOptimizer } from './scheduler';

export interface ExponentialLROptions {
  /** Multiplicative decay per epoch. Required. */
  gamma: number;
}

export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  readonly kind = 'ExponentialLR';

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    checkOptionKeys('ExponentialLR', options ?? {}, ['gamma']);
    const o = { ...options };
    super('ExponentialLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: ExponentialLROptions): void {
    checkFinite('gamma', o.gamma);
  }

  protected computeLr(): number[] {
    const lrs = this.currentLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.options.gamma);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.options.gamma ** this.lastEpoch);
  }
}
