// One column of a bench row, ready to time: created once (memory allocated, warmed up), then timed
// in trials that `interleave` rotates through every column of the row, so that the machine's
// drifting load (other processes, a host that sometimes gives both vCPUs one physical core) hits
// every column alike and the ratios between columns stay meaningful.
import { median } from './timing';

export interface Contender {
  /** Seconds per step over one trial of about `targetMs` (one step when a step is slow). */
  trial(targetMs: number): Promise<number>;
  /** Steps slower than SLOW_MS: one step per trial, 3 trials at most. */
  readonly slow: boolean;
  dispose?(): void;
}

export const SLOW_MS = 250;

/** A contender from a synchronous step; the step is warmed up here. */
export function syncContender(step: () => void, dispose?: () => void, before?: () => Promise<void>): Contender {
  let t0 = performance.now();
  step();
  const slow = performance.now() - t0 > SLOW_MS;
  if (!slow) for (let i = 0; i < 2; i++) step();
  t0 = performance.now();
  step();
  const once = Math.max(performance.now() - t0, 1e-3);
  return {
    slow,
    dispose,
    async trial(targetMs) {
      await before?.();
      const reps = slow ? 1 : Math.max(1, Math.round(targetMs / once));
      const start = performance.now();
      for (let r = 0; r < reps; r++) step();
      return (performance.now() - start) / 1000 / reps;
    },
  };
}

/** A contender from a step that returns a promise (ONNX Runtime). */
export async function asyncContender(step: () => Promise<void>, dispose?: () => void): Promise<Contender> {
  let t0 = performance.now();
  await step();
  const slow = performance.now() - t0 > SLOW_MS;
  if (!slow) for (let i = 0; i < 2; i++) await step();
  t0 = performance.now();
  await step();
  const once = Math.max(performance.now() - t0, 1e-3);
  return {
    slow,
    dispose,
    async trial(targetMs) {
      const reps = slow ? 1 : Math.max(1, Math.round(targetMs / once));
      const start = performance.now();
      for (let r = 0; r < reps; r++) await step();
      return (performance.now() - start) / 1000 / reps;
    },
  };
}

/**
 * An untimed warm-up round, then `trials` rounds; each round runs one trial of every contender,
 * starting at a different one.
 * `after(name)` runs after each trial (e.g. let a worker pool fall asleep before the next column).
 */
export async function interleave(
  contenders: Readonly<Record<string, Contender>>,
  trials: number,
  targetMs: number,
  after?: (name: string) => Promise<void>,
  betweenRounds?: () => void,
): Promise<Record<string, { seconds: number; trials: number[] }>> {
  const names = Object.keys(contenders);
  const results: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  // One untimed round (short trials) first: the JIT, the GC after setting up every column, caches.
  for (const name of names) {
    if (contenders[name].slow) continue;
    await contenders[name].trial(targetMs / 4);
    await after?.(name);
  }
  for (let t = 0; t < trials; t++) {
    betweenRounds?.();
    for (let k = 0; k < names.length; k++) {
      const name = names[(t + k) % names.length];
      const c = contenders[name];
      if (c.slow && results[name].length >= 3) continue;
      results[name].push(await c.trial(targetMs));
      await after?.(name);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { seconds: median(results[n]), trials: results[n] }]));
}
