// Mini-batches: batch sizes (batch / mini-batch / stochastic), seeded per-epoch shuffles, curriculum.
import { describe, expect, test } from 'vitest';
import { InvalidOptionError } from '../../src/index';
import { epochBatches, MiniBatchSampler } from '../../src/toolkit/batches';

const flat = (bs: Uint32Array[]) => bs.flatMap((b) => [...b]);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('epochBatches', () => {
  test('batch, mini-batch and stochastic are batch sizes; every example once per epoch', () => {
    expect(epochBatches(10, 0, { batchSize: 10 }).length).toBe(1);
    expect(epochBatches(10, 0, { batchSize: 1 }).map((b) => b.length)).toEqual(new Array(10).fill(1));
    const mb = epochBatches(10, 0, { batchSize: 4 });
    expect(mb.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(sorted(flat(mb))).toEqual(iota(10));
    expect(epochBatches(10, 0, { batchSize: 4, dropLast: true }).map((b) => b.length)).toEqual([4, 4]);
    expect(flat(epochBatches(7, 3, { batchSize: 3, order: 'sequential' }))).toEqual(iota(7));
    expect(epochBatches(0, 0, { batchSize: 3 })).toEqual([]);
  });
  test('shuffles are seeded by (seed, epoch): reproducible, different across epochs and seeds', () => {
    const a = flat(epochBatches(100, 2, { batchSize: 8, seed: 9 }));
    expect(flat(epochBatches(100, 2, { batchSize: 8, seed: 9 }))).toEqual(a);
    expect(flat(epochBatches(100, 3, { batchSize: 8, seed: 9 }))).not.toEqual(a);
    expect(flat(epochBatches(100, 2, { batchSize: 8, seed: 10 }))).not.toEqual(a);
    expect(a).not.toEqual(iota(100));
    expect(sorted(a)).toEqual(iota(100));
  });
  test('curriculum: easiest first, paced pool, optional shuffle within the pool', () => {
    const difficulty = [5, 1, 4, 1, 3, 9, 2, 6];
    expect(flat(epochBatches(8, 0, { batchSize: 3, order: 'curriculum', difficulty }))).toEqual([1, 3, 6, 4, 2, 0, 7, 5]);
    const pacing = (e: number) => Math.min(1, (e + 1) / 4);
    expect(flat(epochBatches(8, 0, { batchSize: 3, order: 'curriculum', difficulty, pacing }))).toEqual([1, 3]);
    expect(flat(epochBatches(8, 1, { batchSize: 3, order: 'curriculum', difficulty, pacing }))).toEqual([1, 3, 6, 4]);
    const pool = flat(epochBatches(8, 2, { batchSize: 3, order: 'curriculum', difficulty, pacing, shuffleWithinPace: true, seed: 3 }));
    expect(sorted(pool)).toEqual(sorted([1, 3, 6, 4, 2, 0]));
    expect(() => epochBatches(8, 0, { batchSize: 3, order: 'curriculum', difficulty, pacing: () => 0 })).toThrow(/pacing\(0\) returned 0/);
  });
  test('bad input', () => {
    expect(() => epochBatches(10, 0, { batchSize: 0 })).toThrow(/batchSize should be a positive integer/);
    expect(() => epochBatches(10, 0, { batchSize: 2, order: 'random' as never })).toThrow(InvalidOptionError);
    expect(() => epochBatches(10, 0, { batchSize: 2, order: 'curriculum' })).toThrow(/needs a difficulty per example/);
    expect(() => epochBatches(10, 0, { batchSize: 2, difficulty: [1] })).toThrow(/apply to order 'curriculum' only/);
    expect(() => epochBatches(10, -1, { batchSize: 2 })).toThrow(/Invalid epoch/);
    expect(() => epochBatches(10, 0, { batchSize: 2, batch_size: 2 } as never)).toThrow(/Unknown option 'batch_size'/);
  });
});

describe('MiniBatchSampler', () => {
  test('advances epochs and resumes from its state', () => {
    const s = new MiniBatchSampler(20, { batchSize: 6, seed: 1 });
    expect(s.batchesPerEpoch).toBe(4);
    const e0 = s.nextEpoch();
    const e1 = s.nextEpoch();
    expect(flat(e0)).not.toEqual(flat(e1));
    const t = new MiniBatchSampler(20, { batchSize: 6, seed: 1 });
    t.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(t.nextEpoch()).toEqual(s.nextEpoch());
    expect(() => t.loadStateDict({ epoch: 1.5 })).toThrow(/integer epoch/);
  });
});
