/**
 * Polynomial decay to zero (torch.optim.lr_scheduler.PolynomialLR):
 *   η_t = η_0 · (1 − min(t, T) / T)^p                          (T = totalIters, p = power)
 * Chainable: `step()` multiplies the current lr by ((1 − t/T) / (1 − (t−1)/T))^p.
 */
import { LRScheduler, checkFinite, checkInt, checkOptionKeys, type SchedulableOptimizer } from './scheduler';

export interface PolynomialLROptions {
  totalIters: number;
  power: number;
}

const DEFAULTS: PolynomialLROptions = { totalIters: 5, power: 1 };

export class PolynomialLR extends LRScheduler<PolynomialLROptions> {
  readonly kind = 'PolynomialLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<PolynomialLROptions> = {}) {
    checkOptionKeys('PolynomialLR', options, Object.keys(DEFAULTS));
    const o = { ...DEFAULTS, ...options };
    super('PolynomialLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: PolynomialLROptions): void {
    checkInt('totalIters', o.totalIters, 1);
    checkFinite('power', o.power);
  }

  protected computeLr(): number[] {
    const { totalIters: T, power } = this.options;
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch > T) return lrs;
    const factor = ((1 - this.lastEpoch / T) / (1 - (this.lastEpoch - 1) / T)) ** power;
    return lrs.map((lr) => lr * factor);
  }

  protected closedFormLr(): number[] {
    const { totalIters: T, power } = this.options;
    return this.baseLrs.map((b) => b * (1 - Math.min(T, this.lastEpoch) / T) ** power);
  }
}
