/**
 * Mini-batches of example indices per epoch. Batch, mini-batch and stochastic gradient descent
 * differ only in `batchSize`: n (the whole set), between 1 and n, or 1.
 *
 * Orders (Ruder, "Shuffling and Curriculum Learning"):
 *   'shuffle'     a fresh permutation every epoch, from a generator seeded by (seed, epoch), so
 *                 any epoch can be replayed or resumed on its own;
 *   'sequential'  0, 1, …, n − 1;
 *   'curriculum'  easiest first by `difficulty` (ties by index), using only the easiest
 *                 ⌈pacing(epoch) · n⌉ examples (Bengio et al. 2009); `shuffleWithinPace` shuffles
 *                 that pool instead of sorting it ("baby steps").
 */
import { InvalidOptionError, StateDictError } from '../errors';
import { Random } from '../random';

export interface MiniBatchOptions {
  batchSize: number;
  order: 'shuffle' | 'sequential' | 'curriculum';
  /** A 32-bit unsigned seed for 'shuffle' (and 'curriculum' with shuffleWithinPace). */
  seed: number;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast: boolean;
  /** Per-example difficulty, for 'curriculum'. */
  difficulty?: ArrayLike<number>;
  /** Fraction in (0, 1] of the easiest examples used at an epoch, for 'curriculum'. */
  pacing?: (epoch: number) => number;
  shuffleWithinPace: boolean;
}

const DEFAULTS = { order: 'shuffle' as const, seed: 0, dropLast: false, shuffleWithinPace: false };
const KNOWN = ['batchSize', 'order', 'seed', 'dropLast', 'difficulty', 'pacing', 'shuffleWithinPace'];

function checkOptions(n: number, options: Partial<MiniBatchOptions> & { batchSize: number }): MiniBatchOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new InvalidOptionError(`Unknown option '${key}' for miniBatches; known options: ${KNOWN.join(', ')}`);
  }
  const o = { ...DEFAULTS, ...options };
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new InvalidOptionError(`Invalid number of examples: ${String(n)}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new InvalidOptionError(`batchSize should be a positive integer value, but got batchSize=${String(o.batchSize)}`);
  if (!['shuffle', 'sequential', 'curriculum'].includes(o.order)) {
    throw new InvalidOptionError(`order must be one of 'shuffle', 'sequential', 'curriculum', instead got ${String(o.order)}`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed >= 2 ** 32) throw new InvalidOptionError(`Invalid seed: ${String(o.seed)} (expected a 32-bit unsigned integer)`);
  if (o.order === 'curriculum') {
    if (!o.difficulty || o.difficulty.length !== n) {
      throw new InvalidOptionError(`order 'curriculum' needs a difficulty per example (${n}), got ${String(o.difficulty?.length)}`);
    }
    if (o.pacing !== undefined && typeof o.pacing !== 'function') throw new InvalidOptionError('pacing must be a function of the epoch');
  } else if (o.difficulty !== undefined || o.pacing !== undefined) {
    throw new InvalidOptionError(`difficulty and pacing apply to order 'curriculum' only (order is '${o.order}')`);
  }
  return o;
}

function curriculumOrder(o: MiniBatchOptions, n: number, epoch: number, rand: Random): Uint32Array {
  const d = o.difficulty!;
  const sorted = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b] || a - b);
  const fraction = o.pacing ? o.pacing(epoch) : 1;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new InvalidOptionError(`pacing(${epoch}) returned ${String(fraction)}; expected a fraction in (0, 1]`);
  }
  const pool = sorted.subarray(0, Math.max(1, Math.ceil(fraction * n)));
  return o.shuffleWithinPace ? rand.shuffle(pool.slice()) : pool.slice();
}

/** The batches (arrays of example indices) of one epoch. */
export function epochBatches(n: number, epoch: number, options: Partial<MiniBatchOptions> & { batchSize: number }): Uint32Array[] {
  const o = checkOptions(n, options);
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= 2 ** 21) throw new InvalidOptionError(`Invalid epoch: ${String(epoch)}`);
  const rand = new Random(o.seed + epoch * 2 ** 32);
  let order: Uint32Array;
  if (o.order === 'curriculum') order = n === 0 ? new Uint32Array(0) : curriculumOrder(o, n, epoch, rand);
  else {
    order = Uint32Array.from({ length: n }, (_, i) => i);
    if (o.order === 'shuffle') rand.shuffle(order);
  }
  const batches: Uint32Array[] = [];
  for (let start = 0; start < order.length; start += o.batchSize) {
    const batch = order.subarray(start, Math.min(start + o.batchSize, order.length));
    if (o.dropLast && batch.length < o.batchSize) break;
    batches.push(batch);
  }
  return batches;
}

/** Epoch after epoch of batches, with the epoch counter as its state (for checkpoints). */
export class MiniBatchSampler {
  /** The next epoch to produce. */
  epoch = 0;
  private readonly options: Partial<MiniBatchOptions> & { batchSize: number };

  constructor(
    readonly size: number,
    options: Partial<MiniBatchOptions> & { batchSize: number },
  ) {
    checkOptions(size, options);
    this.options = { ...options };
  }

  /** The batches of the next epoch. */
  nextEpoch(): Uint32Array[] {
    const batches = epochBatches(this.size, this.epoch, this.options);
    this.epoch += 1;
    return batches;
  }

  /** The batches of any epoch, without advancing (e.g. to finish an epoch after a mid-epoch resume). */
  batchesOf(epoch: number): Uint32Array[] {
    return epochBatches(this.size, epoch, this.options);
  }

  /** Batches per epoch (for OneCycleLR's stepsPerEpoch); 'curriculum' with pacing may use fewer. */
  get batchesPerEpoch(): number {
    const n = this.size;
    return this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  stateDict(): { epoch: number } {
    return { epoch: this.epoch };
  }

  loadStateDict(state: { epoch: number }): void {
    if (!state || !Number.isInteger(state.epoch) || state.epoch < 0) throw new StateDictError('MiniBatchSampler state needs an integer epoch >= 0');
    this.epoch = state.epoch;
  }
}
