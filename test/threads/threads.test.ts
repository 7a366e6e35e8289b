// The multi-thread path: every rule stepped by the pool (the calling thread + 1 worker, calls cut
// into aligned chunks) gives bit-for-bit the one-thread result, on odd sizes and several groups;
// HVAdam (group sums added per chunk) within a float64-rounding tolerance; a hung or crashed worker
// gives a typed error within the timeout, and the steps still complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  init, initThreads, closeThreads, whenThreadsReady, threadPool, Optimizer, RULES, WorkerTimeoutError, WorkerPoolError, hvadamSpec,
} from '../../src/index';
import { KERNEL_TRAITS } from '../../src/threads/traits';
import { chunkLength, chunkRange, CHUNK_ALIGN, MAX_CHUNKS } from '../../src/threads/protocol';
import type { AnyRuleSpec } from '../../src/rules/spec';
import { randomArray, rng, closeness } from '../helpers';

/** Options that exercise each rule's non-default paths where it has them. */
const OPTIONS: Record<string, Record<string, unknown>[]> = {
  sgd: [{ momentum: 0.9 }, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }, {}],
  adam: [{}, { amsgrad: true, weightDecay: 0.01, maximize: true }],
  rmsprop: [{ centered: true, momentum: 0.5 }],
};

/** Sizes that are not multiples of the chunk alignment, in two groups, several chunks each. */
const SIZES = [[40_009, 17], [70_001]];

function build(spec: AnyRuleSpec, options: Record<string, unknown>, threads: boolean): Optimizer<object> {
  const params = SIZES.map((sizes, g) => ({
    params: Object.fromEntries(sizes.map((n, i) => [`g${g}t${i}`, [n]])),
  }));
  const opt = new Optimizer(spec, params, { lr: 1e-2, ...options }, { threads });
  const rand = rng(7);
  for (const name of opt.tensorNames) opt.param(name).set(randomArray(opt.param(name).length, rand));
  return opt;
}

function stepBoth(a: Optimizer<object>, b: Optimizer<object>, steps: number, seed: number): void {
  const rand = rng(seed);
  for (let s = 0; s < steps; s++) {
    for (const name of a.tensorNames) {
      const g = randomArray(a.grad(name).length, rand, s % 2 ? 0.1 : 1);
      a.grad(name).set(g);
      b.grad(name).set(g);
    }
    a.step();
    b.step();
  }
}

function slotsOf(opt: Optimizer<object>): string[] {
  return opt.layout.groups[0].slots.filter((s) => s !== 'grad');
}

beforeAll(async () => {
  await init();
  // minElements 64: every group here is split, so small test sizes exercise the ranges.
  const info = await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
  expect(info.threads).toBe(2);
  threadPool()!.forceSplit(); // no back-off on a busy test machine: every eligible call is split
});

afterAll(() => closeThreads());

describe('chunks', () => {
  it('cover [0, n) in order with aligned inner boundaries, at most MAX_CHUNKS of them', () => {
    for (const n of [0, 1, 15, 16, 17, 1000, 4099, 65537, 1 << 24]) {
      for (const threads of [2, 3, 4, 16]) {
        const chunk = chunkLength(n, threads);
        expect(chunk % CHUNK_ALIGN).toBe(0);
        const chunks = Math.ceil(n / chunk);
        expect(chunks).toBeLessThanOrEqual(MAX_CHUNKS);
        let at = 0;
        for (let c = 0; c < chunks; c++) {
          const [start, end] = chunkRange(n, chunk, c);
          expect(start).toBe(at);
          expect(end).toBeGreaterThan(start);
          at = end;
        }
        expect(at).toBe(n);
      }
    }
  });
});

describe('multi-thread steps equal one-thread steps bit for bit', () => {
  const cases = Object.keys(RULES).filter((r) => r !== 'hvadam').flatMap((rule) => (OPTIONS[rule] ?? [{}]).map((o) => [rule, o] as const));
  it.each(cases)('%s %o', async (rule, options) => {
    const one = build(RULES[rule], options, false);
    const many = build(RULES[rule], options, true);
    await whenThreadsReady();
    const before = threadPool()!.splitCalls;
    stepBoth(one, many, 4, 11);
    expect(threadPool()!.splitCalls).toBeGreaterThan(before);
    for (const name of one.tensorNames) {
      for (const slot of slotsOf(one)) {
        const view = slot === 'param' ? (o: Optimizer<object>) => o.param(name) : (o: Optimizer<object>) => o.state(name, slot);
        expect(Buffer.from(view(many).buffer, view(many).byteOffset, view(many).byteLength).equals(
          Buffer.from(view(one).buffer, view(one).byteOffset, view(one).byteLength),
        ), `${rule} ${name} ${slot}`).toBe(true);
      }
    }
  });

  it('the workers took part (ran chunks) in those steps', () => {
    expect(threadPool()!.workerChunks).toBeGreaterThan(0);
  });

  it('every listed kernel exists in the module', () => {
    const opt = build(RULES.sgd, {}, true);
    const exports = (opt as unknown as { arena: { kernels: Record<string, unknown> } }).arena.kernels;
    const missing = Object.keys(KERNEL_TRAITS).filter((k) => typeof exports[k] !== 'function');
    expect(missing).toEqual([]);
  });
});

describe('HVAdam: group sums combined across threads', () => {
  it('matches one thread within float64 summation rounding', async () => {
    const one = build(hvadamSpec, { lr: 1e-2 }, false);
    const many = build(hvadamSpec, { lr: 1e-2 }, true);
    await whenThreadsReady();
    const before = threadPool()!.splitCalls;
    stepBoth(one, many, 6, 3);
    expect(threadPool()!.splitCalls - before).toBeGreaterThanOrEqual(12);
    for (const name of one.tensorNames) {
      expect(closeness(many.param(name), one.param(name), 1e-6, 1e-7)).toBeLessThanOrEqual(1);
      expect(closeness(many.state(name, 'last_v'), one.state(name, 'last_v'), 1e-6, 1e-7)).toBeLessThanOrEqual(1);
    }
    expect(many.scalars(0).t2).toBe(one.scalars(0).t2);
    expect(many.scalars(0).restarts).toBe(one.scalars(0).restarts);
  });
});

describe('a worker that stops answering', () => {
  it('hung: the steps complete on the other threads; WorkerTimeoutError once it ignored jobs for timeoutMs', async () => {
    closeThreads();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 300, spinMs: 0.1 });
    threadPool()!.forceSplit();
    const one = build(RULES.adam, {}, false);
    const many = build(RULES.adam, {}, true);
    await whenThreadsReady();
    stepBoth(one, many, 1, 5);
    threadPool()!.simulateHang(0);
    await new Promise((r) => setTimeout(r, 100)); // the idle worker takes the message and hangs
    stepBoth(one, many, 2, 6); // no error yet: the calling thread takes every chunk
    await new Promise((r) => setTimeout(r, 350));
    one.step();
    const t0 = performance.now();
    expect(() => many.step()).toThrow(WorkerTimeoutError);
    expect(performance.now() - t0).toBeLessThan(250); // the step itself never waited for the hung worker
    expect(threadPool()).toBeUndefined();
    for (const name of one.tensorNames) expect(Array.from(many.param(name))).toEqual(Array.from(one.param(name)));
    stepBoth(one, many, 2, 9);
    for (const name of one.tensorNames) expect(Array.from(many.param(name))).toEqual(Array.from(one.param(name)));
  });

  it('crashed: WorkerPoolError at the next step, which completes on one thread', async () => {
    closeThreads();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
    threadPool()!.forceSplit();
    const one = build(RULES.sgd, { momentum: 0.9 }, false);
    const many = build(RULES.sgd, { momentum: 0.9 }, true);
    await whenThreadsReady();
    stepBoth(one, many, 2, 5);
    threadPool()!.simulateCrash(0);
    await new Promise((r) => setTimeout(r, 200)); // the exit event arrives
    one.step();
    expect(() => many.step()).toThrow(WorkerPoolError);
    for (const name of one.tensorNames) expect(Array.from(many.param(name))).toEqual(Array.from(one.param(name)));
    stepBoth(one, many, 1, 9);
    for (const name of one.tensorNames) expect(Array.from(many.param(name))).toEqual(Array.from(one.param(name)));
    closeThreads();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
    threadPool()!.forceSplit();
  });
});

describe('back-off', () => {
  it('runs on one thread, with the same results, once the workers stop taking chunks', async () => {
    closeThreads();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 60_000 });
    const one = build(RULES.adam, {}, false);
    const many = build(RULES.adam, {}, true);
    await whenThreadsReady();
    threadPool()!.simulateHang(0);
    await new Promise((r) => setTimeout(r, 100));
    stepBoth(one, many, 8, 4); // 8 steps x 2 groups: the hung worker takes no chunk
    expect(threadPool()!.backoffs).toBeGreaterThanOrEqual(1);
    for (const name of one.tensorNames) expect(Array.from(many.param(name))).toEqual(Array.from(one.param(name)));
    closeThreads();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
    threadPool()!.forceSplit();
  });
});

describe("threads: 'auto'", () => {
  it('calibrates: threads only where splitting paid, with the measured rows', async () => {
    const info = await initThreads();
    expect(info.calibration?.rows.length).toBe(4);
    if (info.threads > 1) expect(info.minElements).toBe(info.calibration?.minElements);
    else expect(info.reason).toMatch(/^calibration/);
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
    threadPool()!.forceSplit();
  });
});

describe('fallbacks', () => {
  it('threads: 1 starts no workers', async () => {
    const info = await initThreads({ threads: 1 });
    expect(info.threads).toBe(1);
    expect(threadPool()).toBeUndefined();
    await initThreads({ threads: 2, minElements: 64, minElementsIdle: 0, timeoutMs: 5000 });
    threadPool()!.forceSplit();
  });
});
