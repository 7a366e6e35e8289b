/**
 * Linear warmup/decay and constant-factor warmup (torch.optim.lr_scheduler.LinearLR / ConstantLR).
 *
 *   LinearLR:    η_t = η_0 · (s + (e − s) · min(t, T) / T)       (s = startFactor, e = endFactor, T = totalIters)
 *   ConstantLR:  η_t = η_0 · f for t < T,  η_0 after              (f = factor)
 *
 * Chainable like torch: LinearLR's `step()` multiplies the current lr by the ratio of consecutive
 * factors, 1 + (e − s) / (T s + (t − 1)(e − s)).
 */
import { LRScheduler, checkFinite, checkInt, checkOptionKeys, type SchedulableOptimizer } from './scheduler';
import { InvalidOptionError } from '../errors';

export interface LinearLROptions {
  startFactor: number;
  endFactor: number;
  totalIters: number;
}

const LINEAR_DEFAULTS: LinearLROptions = { startFactor: 1 / 3, endFactor: 1, totalIters: 5 };

export class LinearLR extends LRScheduler<LinearLROptions> {
  readonly kind = 'LinearLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<LinearLROptions> = {}) {
    checkOptionKeys('LinearLR', options, Object.keys(LINEAR_DEFAULTS));
    const o = { ...LINEAR_DEFAULTS, ...options };
    super('LinearLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: LinearLROptions): void {
    checkFinite('startFactor', o.startFactor);
    checkFinite('endFactor', o.endFactor);
    // torch 1.13 accepts startFactor = 0 and then divides by zero; torch >= 2.0 rejects it.
    if (!(o.startFactor > 0 && o.startFactor <= 1)) {
      throw new InvalidOptionError('Starting multiplicative factor expected to be greater than 0 and less or equal to 1.');
    }
    if (!(o.endFactor >= 0 && o.endFactor <= 1)) {
      throw new InvalidOptionError('Ending multiplicative factor expected to be between 0 and 1.');
    }
    checkInt('totalIters', o.totalIters, 1);
  }

  protected computeLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * s);
    if (this.lastEpoch > T) return lrs;
    return lrs.map((lr) => lr * (1 + (e - s) / (T * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T } = this.options;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(T, this.lastEpoch)) / T));
  }
}

export interface ConstantLROptions {
  factor: number;
  totalIters: number;
}

const CONSTANT_DEFAULTS: ConstantLROptions = { factor: 1 / 3, totalIters: 5 };

export class ConstantLR extends LRScheduler<ConstantLROptions> {
  readonly kind = 'ConstantLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<ConstantLROptions> = {}) {
    checkOptionKeys('ConstantLR', options, Object.keys(CONSTANT_DEFAULTS));
    const o = { ...CONSTANT_DEFAULTS, ...options };
    super('ConstantLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: ConstantLROptions): void {
    checkFinite('factor', o.factor);
    if (!(o.factor > 0 && o.factor <= 1)) {
      throw new InvalidOptionError('Constant multiplicative factor expected to be greater than 0 and less or equal to 1.');
    }
    checkInt('totalIters', o.totalIters, 0);
  }

  protected computeLr(): number[] {
    const { factor, totalIters } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * factor);
    if (this.lastEpoch !== totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / factor));
  }

  protected closedFormLr(): number[] {
    const { factor, totalIters } = this.options;
    return this.baseLrs.map((b) => b * (factor + (this.lastEpoch >= totalIters ? 1 - factor : 0)));
  }
}
