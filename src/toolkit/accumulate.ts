/**
 * Gradient accumulation: k micro-batches per optimizer step, summed straight into the grad slot
 * (no other parameter-sized buffer).
 *
 *   grad ← grad + w · g_j   for each micro-batch j,  w = 1/k ('mean', the default) or 1 ('sum')
 *   after the k-th: [beforeStep()], optimizer.step(), [afterStep()], optimizer.zeroGrad()
 *
 * With 'mean' and micro-batch losses that are means over equally sized micro-batches, k
 * micro-batches of size b give the gradient of one batch of size k·b. For unequal sizes pass each
 * micro-batch's weight (its size over the batch's). Start from zero gradients (a new optimizer's,
 * or after zeroGrad()).
 */
import { InvalidOptionError, StateDictError, TensorError } from '../errors';

export interface GradAccumulatorOptions {
  /** Micro-batches per optimizer step (k). */
  steps: number;
  reduction: 'mean' | 'sum';
  /** Runs on the accumulated gradients right before the step (e.g. clipping, gradient noise). */
  beforeStep?: () => void;
  /** Runs right after the step (e.g. `scheduler.step()`). */
  afterStep?: () => void;
}

const DEFAULTS = { steps: 1, reduction: 'mean' as const };

/** What accumulation needs of an optimizer. */
export interface AccumulatingOptimizer {
  readonly tensorNames: readonly string[];
  grad(name: string): Float32Array;
  step(): unknown;
  zeroGrad(): void;
}

export class GradAccumulator {
  readonly options: Readonly<GradAccumulatorOptions>;
  /** Micro-batches added since the last step. */
  count = 0;

  constructor(
    private readonly optimizer: AccumulatingOptimizer,
    options: Partial<GradAccumulatorOptions> = {},
  ) {
    for (const key of Object.keys(options)) {
      if (!['steps', 'reduction', 'beforeStep', 'afterStep'].includes(key)) {
        throw new InvalidOptionError(`Unknown option '${key}' for GradAccumulator; known options: steps, reduction, beforeStep, afterStep`);
      }
    }
    const o = { ...DEFAULTS, ...options };
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new InvalidOptionError(`Expected positive integer steps, but got ${String(o.steps)}`);
    if (o.reduction !== 'mean' && o.reduction !== 'sum') throw new InvalidOptionError(`reduction must be one of 'mean', 'sum', instead got ${String(o.reduction)}`);
    for (const hook of ['beforeStep', 'afterStep'] as const) {
      if (o[hook] !== undefined && typeof o[hook] !== 'function') throw new InvalidOptionError(`${hook} must be a function`);
    }
    this.options = o;
  }

  /** The weight a micro-batch gets by default: 1/k for 'mean', 1 for 'sum'. */
  get defaultWeight(): number {
    return this.options.reduction === 'mean' ? 1 / this.options.steps : 1;
  }

  /**
   * Adds one micro-batch's gradients (by tensor name; tensors left out add nothing). All names and
   * lengths are checked before anything is written.
   */
  add(grads: Readonly<Record<string, ArrayLike<number>>>, weight = this.defaultWeight): void {
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InvalidOptionError(`Invalid weight: ${String(weight)}`);
    const targets = Object.entries(grads).map(([name, g]) => {
      const view = this.optimizer.grad(name);
      if (!g || g.length !== view.length) throw new TensorError(`Tensor '${name}' has ${view.length} elements; got ${String(g?.length)} gradient values`);
      return [view, g] as const;
    });
    const w = Math.fround(weight);
    for (const [view, g] of targets) {
      if (w === 1) for (let i = 0; i < view.length; i++) view[i] += g[i];
      else for (let i = 0; i < view.length; i++) view[i] += w * g[i];
    }
  }

  /** Ends a micro-batch; steps (with the hooks) and zeroes the gradients after every k-th. Returns whether it stepped. */
  step(): boolean {
    this.count += 1;
    if (this.count < this.options.steps) return false;
    this.options.beforeStep?.();
    this.optimizer.step();
    this.options.afterStep?.();
    this.optimizer.zeroGrad();
    this.count = 0;
    return true;
  }

  /** `add(grads, weight)` then `step()`. */
  microBatch(grads: Readonly<Record<string, ArrayLike<number>>>, weight?: number): boolean {
    this.add(grads, weight);
    return this.step();
  }

  stateDict(): { count: number } {
    return { count: this.count };
  }

  loadStateDict(state: { count: number }): void {
    if (!state || !Number.isInteger(state.count) || state.count < 0 || state.count >= this.options.steps) {
      throw new StateDictError(`GradAccumulator state needs an integer count in [0, ${this.options.steps})`);
    }
    this.count = state.count;
  }
}
