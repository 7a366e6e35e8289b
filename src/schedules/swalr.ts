/**
 * The SWA learning rate (Izmailov et al. 2018) — torch.optim.swa_utils.SWALR: anneals each group's
 * lr to a constant `swaLr` over `annealEpochs` steps, then holds it.
 *
 * With t = min(1, (k − 1) / max(1, annealEpochs)) at the k-th call (k = 1 is the constructor's)
 * and α = (1 − cos(π t)) / 2 (cos) or t (linear):  η_k = α · swaLr + (1 − α) · η_start, where
 * η_start is recovered from the current lr each step, so the schedule composes like torch's.
 */
import { LRScheduler, checkInt, checkOneOf, checkOptionKeys, perGroup, stateNumberList, type SchedulableOptimizer, type SchedulerState } from './scheduler';

export interface SWALROptions {
  /** The lr to anneal to, for all groups or per group. Required. */
  swaLr: number | readonly number[];
  annealEpochs: number;
  annealStrategy: 'cos' | 'linear';
}

const DEFAULTS = { annealEpochs: 10, annealStrategy: 'cos' as const };

export class SWALR extends LRScheduler<SWALROptions> {
  readonly kind = 'SWALR';
  private swaLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: Partial<SWALROptions> & { swaLr: number | readonly number[] }) {
    checkOptionKeys('SWALR', options, ['swaLr', ...Object.keys(DEFAULTS)]);
    const o: SWALROptions = { ...DEFAULTS, ...options };
    super('SWALR', optimizer, o);
    this.swaLrs = perGroup('swaLr', o.swaLr, optimizer.paramGroups.length);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: SWALROptions): void {
    checkOneOf('annealStrategy', o.annealStrategy, ['cos', 'linear']);
    checkInt('annealEpochs', o.annealEpochs, 0);
  }

  private alpha(t: number): number {
    return this.options.annealStrategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  }

  protected computeLr(): number[] {
    const { annealEpochs } = this.options;
    let step = this.stepCount - 1;
    if (annealEpochs === 0) step = Math.max(1, step);
    const prevAlpha = this.alpha(Math.max(0, Math.min(1, (step - 1) / Math.max(1, annealEpochs))));
    const alpha = this.alpha(Math.max(0, Math.min(1, step / Math.max(1, annealEpochs))));
    return this.optimizer.paramGroups.map((g, i) => {
      const swa = this.swaLrs[i];
      const start = prevAlpha === 1 ? swa : (g.lr - prevAlpha * swa) / (1 - prevAlpha);
      return swa * alpha + start * (1 - alpha);
    });
  }

  protected extraState(): Record<string, unknown> {
    return { swaLrs: [...this.swaLrs] };
  }

  protected parseExtraState(state: SchedulerState): () => void {
    const swaLrs = stateNumberList(this.kind, 'swaLrs', state.swaLrs, this.optimizer.paramGroups.length);
    return () => {
      this.swaLrs = swaLrs;
    };
  }
}
