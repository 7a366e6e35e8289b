/**
 * Composing schedules — torch.optim.lr_scheduler.SequentialLR and ChainedScheduler.
 *
 *   SequentialLR:     schedulers[i] drives epochs [milestones[i−1], milestones[i]); each one after
 *                     the first restarts at its epoch 0 (closed form) when its milestone is reached.
 *   ChainedScheduler: every `step()` steps all schedulers in order, so chainable factors multiply.
 */
import { LRScheduler, checkInt, checkedState, type SchedulableOptimizer, type Scheduler, type SchedulerState } from './scheduler';
import { initialLrsOf } from './scheduler';
import { InvalidOptionError, StateDictError } from '../errors';

function loadAll(kind: string, schedulers: readonly Scheduler[], states: unknown): void {
  if (!Array.isArray(states) || states.length !== schedulers.length) {
    throw new StateDictError(`${kind} state holds ${Array.isArray(states) ? states.length : 'no'} schedulers; this one has ${schedulers.length}`);
  }
  states.forEach((s, i) => {
    if (!s || (s as SchedulerState).kind !== schedulers[i].kind) {
      throw new StateDictError(`${kind} state: scheduler ${i} was ${String((s as SchedulerState)?.kind)}, here it is ${schedulers[i].kind}`);
    }
  });
  schedulers.forEach((sch, i) => sch.loadStateDict(states[i] as SchedulerState));
}

export interface SequentialLROptions {
  schedulers: readonly LRScheduler[];
  /** Epochs at which the next scheduler takes over (one fewer than the schedulers). */
  milestones: readonly number[];
}

export class SequentialLR implements Scheduler {
  readonly kind = 'SequentialLR';
  readonly optimizer: SchedulableOptimizer;
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];
  lastEpoch: number;
  private lastLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const { schedulers, milestones } = options ?? ({} as SequentialLROptions);
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new InvalidOptionError('SequentialLR needs a non-empty list of schedulers');
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        throw new InvalidOptionError(`SequentialLR: scheduler ${i} (${String((s as Scheduler)?.kind)}) is not an epoch-indexed LRScheduler`);
      }
      if (s.optimizer !== optimizer) {
        throw new InvalidOptionError(
          `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new InvalidOptionError(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${Array.isArray(milestones) ? milestones.length : 'none'}`,
      );
    }
    milestones.forEach((m, i) => checkInt(`milestones[${i}]`, m, 0));
    this.optimizer = optimizer;
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // As torch: back to the initial lrs, undo each scheduler's initial step, redo the first one's.
    const initial = initialLrsOf(optimizer);
    optimizer.paramGroups.forEach((g, i) => (g.lr = initial[i]));
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLrs = this.schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLrs = s.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): SchedulerState {
    return {
      kind: this.kind,
      lastEpoch: this.lastEpoch,
      milestones: [...this.milestones],
      lastLr: [...this.lastLrs],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  loadStateDict(state: SchedulerState): void {
    const s = checkedState(this.kind, state);
    if (!Number.isInteger(s.lastEpoch)) throw new StateDictError(`SequentialLR state: 'lastEpoch' must be an integer`);
    if (JSON.stringify(s.milestones) !== JSON.stringify(this.milestones)) {
      throw new StateDictError(`SequentialLR state has milestones ${JSON.stringify(s.milestones)}; this one has ${JSON.stringify(this.milestones)}`);
    }
    loadAll(this.kind, this.schedulers, s.schedulers);
    this.lastEpoch = s.lastEpoch as number;
    this.lastLrs = Array.isArray(s.lastLr) ? [...(s.lastLr as number[])] : this.optimizer.paramGroups.map((g) => g.lr);
  }
}

export class ChainedScheduler implements Scheduler {
  readonly kind = 'ChainedScheduler';
  readonly optimizer: SchedulableOptimizer;
  readonly schedulers: readonly Scheduler[];
  private lastLrs: number[];

  constructor(schedulers: readonly Scheduler[]) {
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new InvalidOptionError('ChainedScheduler needs a non-empty list of schedulers');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer) {
        throw new InvalidOptionError(
          `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    });
    this.schedulers = [...schedulers];
    this.optimizer = schedulers[0].optimizer;
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): SchedulerState {
    return { kind: this.kind, lastLr: [...this.lastLrs], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(state: SchedulerState): void {
    const s = checkedState(this.kind, state);
    loadAll(this.kind, this.schedulers, s.schedulers);
    this.lastLrs = Array.isArray(s.lastLr) ? [...(s.lastLr as number[])] : this.optimizer.paramGroups.map((g) => g.lr);
  }
}
