/**
 * Schedules from user functions (torch.optim.lr_scheduler.LambdaLR / MultiplicativeLR).
 *
 *   LambdaLR:          η_t = η_0 · λ(t)
 *   MultiplicativeLR:  η_t = η_{t−1} · λ(t)  for t > 0
 *
 * One function for all groups or one per group. Functions are not part of the state dict (torch
 * saves them only when they are callable objects); recreate the schedule with the same functions.
 */
import { LRScheduler, checkOptionKeys, type SchedulableOptimizer } from './scheduler';
import { InvalidOptionError } from '../errors';

export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions {
  /** Multiplicative factor given the epoch; one function or one per parameter group. Required. */
  lrLambda: LrLambda | readonly LrLambda[];
}

function lambdasFor(kind: string, optimizer: SchedulableOptimizer, lrLambda: unknown): LrLambda[] {
  const n = optimizer.paramGroups.length;
  if (typeof lrLambda === 'function') return new Array<LrLambda>(n).fill(lrLambda as LrLambda);
  if (Array.isArray(lrLambda)) {
    if (lrLambda.length !== n) throw new InvalidOptionError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
    if (lrLambda.every((f) => typeof f === 'function')) return [...lrLambda];
  }
  throw new InvalidOptionError(`${kind}: lrLambda must be a function of the epoch or a list of them, one per parameter group`);
}

function checkFactor(kind: string, f: number, epoch: number): number {
  if (typeof f !== 'number' || Number.isNaN(f)) throw new InvalidOptionError(`${kind}: lrLambda(${epoch}) returned ${String(f)}, not a number`);
  return f;
}

abstract class LambdaBase extends LRScheduler<LambdaLROptions> {
  protected lambdas: LrLambda[];

  protected constructor(kind: string, optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    checkOptionKeys(kind, options ?? {}, ['lrLambda']);
    super(kind, optimizer, { ...options });
    this.lambdas = lambdasFor(kind, optimizer, options.lrLambda);
  }

  protected validate(): void {}

  protected factor(i: number): number {
    return checkFactor(this.kind, this.lambdas[i](this.lastEpoch), this.lastEpoch);
  }
}

export class LambdaLR extends LambdaBase {
  readonly kind = 'LambdaLR';

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    super('LambdaLR', optimizer, options);
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.factor(i));
  }
}

export class MultiplicativeLR extends LambdaBase {
  readonly kind = 'MultiplicativeLR';

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    super('MultiplicativeLR', optimizer, options);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.currentLrs();
    return this.lastEpoch > 0 ? lrs.map((lr, i) => lr * this.factor(i)) : lrs;
  }
}
