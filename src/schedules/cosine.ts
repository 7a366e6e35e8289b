/**
 * Cosine annealing (Loshchilov & Hutter 2017, SGDR) — torch.optim.lr_scheduler.CosineAnnealingLR
 * and CosineAnnealingWarmRestarts.
 *
 *   CosineAnnealingLR:            η_t = η_min + (η_0 − η_min) (1 + cos(π t / T_max)) / 2
 *   CosineAnnealingWarmRestarts:  η_t = η_min + (η_0 − η_min) (1 + cos(π T_cur / T_i)) / 2,
 *                                 T_cur resets to 0 after T_i epochs, then T_{i+1} = T_i · T_mult
 *
 * CosineAnnealingLR is chainable like torch's: `step()` rescales the current lr by
 * (1 + cos(π t / T_max)) / (1 + cos(π (t−1) / T_max)) around η_min, and past T_max it climbs back
 * (the curve continues as a cosine with period 2 T_max; no restart).
 */
import { LRScheduler, checkFinite, checkInt, checkOptionKeys, type SchedulableOptimizer, type SchedulerState } from './scheduler';
import { InvalidOptionError, StateDictError } from '../errors';

export interface CosineAnnealingLROptions {
  /** Half-period, in epochs. Required. */
  tMax: number;
  etaMin: number;
}

export class CosineAnnealingLR extends LRScheduler<CosineAnnealingLROptions> {
  readonly kind = 'CosineAnnealingLR';

  constructor(optimizer: SchedulableOptimizer, options: Partial<CosineAnnealingLROptions> & { tMax: number }) {
    checkOptionKeys('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    const o = { etaMin: 0, ...options };
    super('CosineAnnealingLR', optimizer, o);
    this.validate(o);
    this.initialStep();
  }

  protected validate(o: CosineAnnealingLROptions): void {
    checkInt('tMax', o.tMax, 1);
    checkFinite('etaMin', o.etaMin);
  }

  protected computeLr(): number[] {
    const { tMax, etaMin } = this.options;
    const t = this.lastEpoch;
    const lrs = this.currentLrs();
    if (t === 0) return lrs;
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map(
      (lr) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin,
    );
  }

  protected closedFormLr(): number[] {
    const { tMax, etaMin } = this.options;
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / tMax))) / 2);
  }
}

export interface CosineAnnealingWarmRestartsOptions {
  /** Epochs until the first restart. Required. */
  t0: number;
  /** Growth factor of the period after each restart (an integer >= 1). */
  tMult: number;
  etaMin: number;
}

export class CosineAnnealingWarmRestarts extends LRScheduler<CosineAnnealingWarmRestartsOptions> {
  readonly kind = 'CosineAnnealingWarmRestarts';
  /** Epochs since the last restart (may be fractional after `step(epoch)`). */
  tCur: number;
  /** Length of the current period. */
  tI: number;

  constructor(optimizer: SchedulableOptimizer, options: Partial<CosineAnnealingWarmRestartsOptions> & { t0: number }) {
    checkOptionKeys('CosineAnnealingWarmRestarts', options, ['t0', 'tMult', 'etaMin']);
    const o = { tMult: 1, etaMin: 0, ...options };
    super('CosineAnnealingWarmRestarts', optimizer, o);
    this.validate(o);
    this.tI = o.t0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected validate(o: CosineAnnealingWarmRestartsOptions): void {
    checkInt('t0', o.t0, 1);
    checkInt('tMult', o.tMult, 1);
    checkFinite('etaMin', o.etaMin);
  }

  protected computeLr(): number[] {
    const { etaMin } = this.options;
    return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  /**
   * Advances one epoch, or jumps to `epoch` (fractional epochs allowed, e.g. `epoch + i / iters`
   * within an epoch, as in torch).
   */
  step(epoch?: number): void {
    const { t0, tMult } = this.options;
    let e = epoch;
    let tCur = this.tCur;
    let tI = this.tI;
    if (e === undefined && this.lastEpoch < 0) e = 0;
    if (e === undefined) {
      e = this.lastEpoch + 1;
      tCur += 1;
      if (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    } else {
      if (typeof e !== 'number' || !(e >= 0) || !Number.isFinite(e)) {
        throw new InvalidOptionError(`Expected non-negative epoch, but got ${String(e)}`);
      }
      if (e >= t0) {
        if (tMult === 1) {
          tCur = e % t0;
        } else {
          const n = Math.trunc(Math.log((e / t0) * (tMult - 1) + 1) / Math.log(tMult));
          tCur = e - (t0 * (tMult ** n - 1)) / (tMult - 1);
          tI = t0 * tMult ** n;
        }
      } else {
        tI = t0;
        tCur = e;
      }
    }
    this.tCur = tCur;
    this.tI = tI;
    this.lastEpoch = Math.floor(e);
    this.applyLr(this.computeLr());
  }

  protected extraState(): Record<string, unknown> {
    return { tCur: this.tCur, tI: this.tI };
  }

  protected parseExtraState(state: SchedulerState): () => void {
    const { tCur, tI } = state;
    if (typeof tCur !== 'number' || typeof tI !== 'number' || !(tI > 0)) {
      throw new StateDictError(`CosineAnnealingWarmRestarts state needs numbers 'tCur' and 'tI' > 0`);
    }
    return () => {
      this.tCur = tCur;
      this.tI = tI;
    };
  }
}
