/**
 * The 1cycle policy (Smith & Topin 2017, "Super-Convergence") — torch.optim.lr_scheduler.OneCycleLR.
 *
 * Per batch t ∈ [0, totalSteps), with η_start = maxLr / divFactor and η_min = η_start / finalDivFactor:
 *   two phases (default): η rises η_start → maxLr over steps [0, pctStart·T − 1],
 *                         then falls maxLr → η_min until step T − 1;
 *   threePhase:           η_start → maxLr → η_start (symmetric around pctStart·T), then → η_min.
 * Each phase anneals with `anneal(start, end, pct)`: cos: end + (start − end)(1 + cos(π pct)) / 2;
 * linear: start + (end − start) pct. Momentum (SGD's `momentum`, or `betas[0]` for the Adam family)
 * moves inversely: maxMomentum → baseMomentum → maxMomentum. Not chainable (it sets the lr outright).
 */
import {
  LRScheduler, checkFinite, checkInt, checkOneOf, checkOptionKeys, momentumTarget, perGroup, setInitialLrs, setMomentum,
  stateNumberList, type SchedulableOptimizer, type SchedulerState,
} from './scheduler';
import { InvalidOptionError } from '../errors';

export interface OneCycleLROptions {
  /** Peak lr, for all groups or per group. Required. */
  maxLr: number | readonly number[];
  /** Total number of steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  baseMomentum: number | readonly number[];
  maxMomentum: number | readonly number[];
  divFactor: number;
  finalDivFactor: number;
  threePhase: boolean;
}

const DEFAULTS = {
  pctStart: 0.3,
  annealStrategy: 'cos' as const,
  cycleMomentum: true,
  baseMomentum: 0.85,
  maxMomentum: 0.95,
  divFactor: 25,
  finalDivFactor: 1e4,
  threePhase: false,
};

type Anchor = 'initial' | 'max' | 'min';
type MomentumAnchor = 'max' | 'base';
interface Phase {
  readonly endStep: number;
  readonly startLr: Anchor;
  readonly endLr: Anchor;
  readonly startMomentum: MomentumAnchor;
  readonly endMomentum: MomentumAnchor;
}

export function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

export function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function totalStepsOf(o: OneCycleLROptions): number {
  if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
    throw new InvalidOptionError('You must define either totalSteps OR (epochs AND stepsPerEpoch)');
  }
  if (o.totalSteps !== undefined) {
    checkInt('totalSteps', o.totalSteps, 1);
    return o.totalSteps;
  }
  checkInt('epochs', o.epochs, 1);
  checkInt('stepsPerEpoch', o.stepsPerEpoch, 1);
  return o.epochs * o.stepsPerEpoch;
}

export class OneCycleLR extends LRScheduler<OneCycleLROptions> {
  readonly kind = 'OneCycleLR';
  readonly totalSteps: number;
  /** Per group: the lr anchors (torch keeps them in the param groups as initial_lr, max_lr, min_lr). */
  private anchors: Record<Anchor, number[]>;
  private momenta: Record<MomentumAnchor, number[]>;
  private readonly target: 'betas' | 'momentum' | undefined;

  constructor(optimizer: SchedulableOptimizer, options: Partial<OneCycleLROptions> & { maxLr: number | readonly number[] }) {
    checkOptionKeys('OneCycleLR', options, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', ...Object.keys(DEFAULTS)]);
    const o: OneCycleLROptions = { ...DEFAULTS, ...options };
    super('OneCycleLR', optimizer, o);
    this.totalSteps = this.validateAll(o);
    const n = optimizer.paramGroups.length;
    const maxLrs = perGroup('maxLr', o.maxLr, n);
    const initial = maxLrs.map((m) => m / o.divFactor);
    this.anchors = { initial, max: maxLrs, min: initial.map((x) => x / o.finalDivFactor) };
    setInitialLrs(optimizer, initial);
    this.baseLrs = [...initial];
    this.momenta = { max: perGroup('maxMomentum', o.maxMomentum, n), base: perGroup('baseMomentum', o.baseMomentum, n) };
    if (o.cycleMomentum) {
      this.target = momentumTarget('OneCycleLR', optimizer, true);
      optimizer.paramGroups.forEach((g, i) => setMomentum(g, this.target!, this.momenta.max[i]));
    }
    this.initialStep();
  }

  private validateAll(o: OneCycleLROptions): number {
    const total = totalStepsOf(o);
    checkFinite('pctStart', o.pctStart);
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) throw new InvalidOptionError(`Expected float between 0 and 1 pctStart, but got ${o.pctStart}`);
    checkOneOf('annealStrategy', o.annealStrategy, ['cos', 'linear']);
    checkFinite('divFactor', o.divFactor);
    checkFinite('finalDivFactor', o.finalDivFactor);
    return total;
  }

  protected validate(o: OneCycleLROptions): void {
    if (totalStepsOf(o) !== this.totalSteps) throw new InvalidOptionError('the state was saved with a different number of total steps');
    this.validateAll(o);
  }

  private phases(): Phase[] {
    const { pctStart, threePhase } = this.options;
    const T = this.totalSteps;
    if (threePhase) {
      return [
        { endStep: pctStart * T - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
        { endStep: 2 * pctStart * T - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
        { endStep: T - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
      ];
    }
    return [
      { endStep: pctStart * T - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
      { endStep: T - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
    ];
  }

  /** The phase containing the current step and the fraction of it done. */
  private position(): { phase: Phase; pct: number } {
    const t = this.lastEpoch;
    if (t > this.totalSteps) {
      throw new InvalidOptionError(`Tried to step ${t + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this.phases();
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      if (t <= phase.endStep || i === phases.length - 1) return { phase, pct: (t - start) / (phase.endStep - start) };
      start = phase.endStep;
    }
    throw new Error('unreachable');
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.options.annealStrategy === 'cos' ? annealCos(start, end, pct) : annealLinear(start, end, pct);
  }

  protected computeLr(): number[] {
    const { phase, pct } = this.position();
    return this.baseLrs.map((_, i) => this.anneal(this.anchors[phase.startLr][i], this.anchors[phase.endLr][i], pct));
  }

  protected computeMomentum(): { target: 'betas' | 'momentum'; values: number[] } | undefined {
    if (!this.options.cycleMomentum || !this.target) return undefined;
    const { phase, pct } = this.position();
    const values = this.baseLrs.map((_, i) => this.anneal(this.momenta[phase.startMomentum][i], this.momenta[phase.endMomentum][i], pct));
    return { target: this.target, values };
  }

  protected extraState(): Record<string, unknown> {
    return {
      totalSteps: this.totalSteps,
      initialLr: [...this.anchors.initial], maxLr: [...this.anchors.max], minLr: [...this.anchors.min],
      maxMomentum: [...this.momenta.max], baseMomentum: [...this.momenta.base],
    };
  }

  protected parseExtraState(state: SchedulerState): () => void {
    const n = this.optimizer.paramGroups.length;
    const list = (k: string): number[] => stateNumberList(this.kind, k, state[k], n);
    const anchors = { initial: list('initialLr'), max: list('maxLr'), min: list('minLr') };
    const momenta = { max: list('maxMomentum'), base: list('baseMomentum') };
    return () => {
      this.anchors = anchors;
      this.momenta = momenta;
    };
  }
}
