// Where the worker pool starts to pay: Adam split across the calling thread + the workers at
// several sizes, forced (minElements 0), in a busy loop (the worker is spinning when the step
// comes) and with an idle gap between steps longer than the pool's spin time (the worker sleeps
// and must be woken, as in a training loop where forward/backward run between steps).
import { Optimizer } from '../src/optimizer';
import { adamSpec } from '../src/rules/adam';
import { initThreads, closeThreads, whenThreadsReady, threadPool } from '../src/threads/index';
import { median } from './timing';
import { interleave, syncContender, type Contender } from './contender';
import { fillRandom, type TimingOptions } from './rule-throughput';

export interface ThresholdRow {
  readonly n: number;
  /** Seconds per step, one thread. */
  readonly one: number;
  /** Seconds per step, pool, steps back to back. */
  readonly busy: number;
  /** Seconds per step, pool, `gapMs` idle between steps (the step alone is timed). */
  readonly idle: number;
  readonly oneIdle: number;
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** A contender whose trial is `count` steps, each after `gapMs` idle; returns the median step time. */
function idleContender(step: () => unknown, gapMs: number, count: number): Contender {
  step();
  return {
    slow: false,
    async trial() {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        sleep(gapMs);
        const t0 = performance.now();
        step();
        times.push((performance.now() - t0) / 1000);
      }
      return median(times);
    },
  };
}

function make(n: number, threads: boolean): { step(): unknown } {
  const opt = new Optimizer(adamSpec, { w: [n] }, { lr: 1e-3 }, { threads });
  opt.nonFinite = 'ignore';
  fillRandom(opt.param('w'), 1);
  fillRandom(opt.grad('w'), 2);
  return opt;
}

/** Runs with its own pool (minElements 0), closed at the end; the caller restarts its own. */
export async function timeThreshold(sizes: readonly number[], t: TimingOptions, threads: number, gapMs = 5): Promise<ThresholdRow[]> {
  const info = await initThreads({ threads, minElements: 0, minElementsIdle: 0 });
  threadPool()?.forceSplit(); // raw behaviour: every call split, no back-off
  if (info.threads < 2) {
    console.warn(`no worker pool: ${info.reason}`);
    return [];
  }
  const rows: ThresholdRow[] = [];
  for (const n of sizes) {
    const one = make(n, false);
    const pooled = make(n, true);
    await whenThreadsReady();
    const count = 9;
    const r = await interleave(
      {
        one: syncContender(() => void one.step()),
        busy: syncContender(() => void pooled.step()),
        oneIdle: idleContender(() => one.step(), gapMs, count),
        idle: idleContender(() => pooled.step(), gapMs, count),
      },
      t.trials,
      t.targetMs,
      async () => sleep(3),
    );
    rows.push({ n, one: r.one.seconds, busy: r.busy.seconds, idle: r.idle.seconds, oneIdle: r.oneIdle.seconds });
  }
  closeThreads();
  return rows;
}
