/**
 * Cyclical learning rates (Smith 2017) — torch.optim.lr_scheduler.CyclicLR, stepped per batch.
 *
 * With T = stepSizeUp + stepSizeDown, r = stepSizeUp / T and batch index t:
 *   cycle = ⌊1 + t / T⌋,  x = 1 + t / T − cycle,  s = x / r if x ≤ r else (x − 1) / (r − 1)
 *   η_t = baseLr + (maxLr − baseLr) · s · scale(k),   μ_t = maxMomentum − (maxMomentum − baseMomentum) · s · scale(k)
 * where scale is 1 (triangular), 1 / 2^(cycle − 1) (triangular2, k = cycle) or γ^t (exp_range,
 * k = t), or a user `scaleFn` of the cycle or the iteration (`scaleMode`). Momentum is SGD's
 * `momentum` or, as in torch >= 2.0, `betas[0]` for the Adam family. Not chainable.
 */
import {
  LRScheduler, checkFinite, checkOneOf, checkOptimizer, checkOptionKeys, momentumTarget, perGroup, setMomentum,
  stateNumberList, type SchedulableOptimizer, type SchedulerState,
} from './scheduler';
import { InvalidOptionError } from '../errors';

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicLROptions {
  /** Lower lr boundary, for all groups or per group. Required. */
  baseLr: number | readonly number[];
  /** Upper lr boundary, for all groups or per group. Required. */
  maxLr: number | readonly number[];
  stepSizeUp: number;
  /** Defaults to stepSizeUp. */
  stepSizeDown?: number;
  mode: CyclicMode;
  gamma: number;
  /** Custom amplitude scaling in [0, 1]; when given, `mode` is ignored. */
  scaleFn?: (x: number) => number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentum: number | readonly number[];
  maxMomentum: number | readonly number[];
}

const DEFAULTS = {
  stepSizeUp: 2000,
  mode: 'triangular' as const,
  gamma: 1,
  scaleMode: 'cycle' as const,
  cycleMomentum: true,
  baseMomentum: 0.8,
  maxMomentum: 0.9,
};

const BUILTIN_SCALE_MODE: Record<CyclicMode, 'cycle' | 'iterations'> = { triangular: 'cycle', triangular2: 'cycle', exp_range: 'iterations' };

export class CyclicLR extends LRScheduler<CyclicLROptions> {
  readonly kind = 'CyclicLR';
  private maxLrs: number[];
  private baseMomenta: number[];
  private maxMomenta: number[];
  private readonly target: 'betas' | 'momentum' | undefined;

  constructor(
    optimizer: SchedulableOptimizer,
    options: Partial<CyclicLROptions> & { baseLr: number | readonly number[]; maxLr: number | readonly number[] },
  ) {
    checkOptionKeys('CyclicLR', options, ['baseLr', 'maxLr', 'stepSizeDown', 'scaleFn', ...Object.keys(DEFAULTS)]);
    const o: CyclicLROptions = { ...DEFAULTS, ...options };
    checkOptimizer('CyclicLR', optimizer);
    CyclicLR.check(o);
    const n = optimizer.paramGroups.length;
    const baseLrs = perGroup('baseLr', o.baseLr, n);
    const maxLrs = perGroup('maxLr', o.maxLr, n);
    const target = o.cycleMomentum ? momentumTarget('CyclicLR', optimizer, true) : undefined;
    const baseMomenta = target ? perGroup('baseMomentum', o.baseMomentum, n) : [];
    const maxMomenta = target ? perGroup('maxMomentum', o.maxMomentum, n) : [];
    // As torch: the groups start at baseLr, which becomes their initial lr unless a schedule set one.
    optimizer.paramGroups.forEach((g, i) => {
      g.lr = baseLrs[i];
      if (target) setMomentum(g, target, baseMomenta[i]);
    });
    super('CyclicLR', optimizer, o);
    this.maxLrs = maxLrs;
    this.target = target;
    this.baseMomenta = baseMomenta;
    this.maxMomenta = maxMomenta;
    // The initial step runs with base lrs = the initial lrs (as in torch); baseLr applies after it.
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  protected validate(o: CyclicLROptions): void {
    CyclicLR.check(o);
  }

  private static check(o: CyclicLROptions): void {
    checkFinite('stepSizeUp', o.stepSizeUp);
    if (!(o.stepSizeUp > 0)) throw new InvalidOptionError(`Invalid stepSizeUp: ${o.stepSizeUp} (expected > 0)`);
    if (o.stepSizeDown !== undefined) {
      checkFinite('stepSizeDown', o.stepSizeDown);
      if (!(o.stepSizeDown >= 0)) throw new InvalidOptionError(`Invalid stepSizeDown: ${o.stepSizeDown} (expected >= 0)`);
    }
    if (o.scaleFn === undefined) {
      if (!Object.hasOwn(BUILTIN_SCALE_MODE, o.mode)) throw new InvalidOptionError('mode is invalid and scaleFn is undefined');
    } else {
      if (typeof o.scaleFn !== 'function') throw new InvalidOptionError('scaleFn must be a function');
      checkOneOf('scaleMode', o.scaleMode, ['cycle', 'iterations']);
    }
    checkFinite('gamma', o.gamma);
  }

  private scale(x: number): number {
    const { scaleFn, mode, gamma } = this.options;
    if (scaleFn) return scaleFn(x);
    if (mode === 'triangular') return 1;
    if (mode === 'triangular2') return 1 / 2 ** (x - 1);
    return gamma ** x;
  }

  /** Where the current batch sits: s ∈ [0, 1] within the cycle and the argument k of the scale. */
  private position(): { s: number; k: number } {
    const { stepSizeUp, stepSizeDown, scaleFn, scaleMode, mode } = this.options;
    const total = stepSizeUp + (stepSizeDown ?? stepSizeUp);
    const ratio = stepSizeUp / total;
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / total);
    const x = 1 + t / total - cycle;
    const s = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return { s, k: (scaleFn ? scaleMode : BUILTIN_SCALE_MODE[mode]) === 'cycle' ? cycle : t };
  }

  protected computeLr(): number[] {
    const { s, k } = this.position();
    // torch's association: base + ((max − base) · s) · scale(k).
    return this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * s * this.scale(k));
  }

  protected computeMomentum(): { target: 'betas' | 'momentum'; values: number[] } | undefined {
    if (!this.options.cycleMomentum || !this.target) return undefined;
    const { s, k } = this.position();
    return { target: this.target, values: this.maxMomenta.map((m, i) => m - (m - this.baseMomenta[i]) * s * this.scale(k)) };
  }

  protected extraState(): Record<string, unknown> {
    return { maxLrs: [...this.maxLrs], baseMomenta: [...this.baseMomenta], maxMomenta: [...this.maxMomenta] };
  }

  protected parseExtraState(state: SchedulerState): () => void {
    const n = this.optimizer.paramGroups.length;
    const maxLrs = stateNumberList(this.kind, 'maxLrs', state.maxLrs, n);
    const m = this.options.cycleMomentum ? n : 0;
    const baseMomenta = stateNumberList(this.kind, 'baseMomenta', state.baseMomenta, m);
    const maxMomenta = stateNumberList(this.kind, 'maxMomenta', state.maxMomenta, m);
    return () => {
      this.maxLrs = maxLrs;
      this.baseMomenta = baseMomenta;
      this.maxMomenta = maxMomenta;
    };
  }
}
