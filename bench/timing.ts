// Timing helpers: medians of several trials, each long enough to swamp timer resolution.

export interface Timing {
  /** Median seconds per call. */
  readonly seconds: number;
  /** Every trial's seconds per call. */
  readonly trials: readonly number[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Times `fn` over `trials` trials of ~`targetMs` each, after a warm-up; returns per-call seconds.
 * A call slower than `slowMs` gets one warm-up and at most 3 trials of one call (a 16M-element
 * step of a slow peer costs seconds).
 */
export function timeIt(fn: () => void, { trials = 5, targetMs = 150, warmup = 3, slowMs = 250 } = {}): Timing {
  let t0 = performance.now();
  fn();
  if (performance.now() - t0 > slowMs) {
    warmup = 0;
    trials = Math.min(trials, 3);
    targetMs = 0;
  }
  for (let i = 1; i < warmup; i++) fn();
  t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.round(targetMs / once));
  const results: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) fn();
    results.push((performance.now() - start) / 1000 / reps);
  }
  return { seconds: median(results), trials: results };
}

/** `timeIt` for steps that return a promise (ONNX Runtime's session.run). */
export async function timeItAsync(
  fn: () => Promise<void>,
  { trials = 5, targetMs = 150, warmup = 3 } = {},
): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  await fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.round(targetMs / once));
  const results: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) await fn();
    results.push((performance.now() - start) / 1000 / reps);
  }
  return { seconds: median(results), trials: results };
}

/**
 * How to time a step that may be slow: several fast trials normally; for a step that takes longer
 * than `slowMs`, one warm-up and `slowTrials` trials of one step each, so a slow peer at 16M
 * elements costs seconds, not minutes.
 */
export function trialPlan(onceMs: number, trials: number, targetMs: number, slowMs = 250, slowTrials = 3) {
  return onceMs > slowMs ? { trials: Math.min(trials, slowTrials), targetMs: 0, warmup: 1 } : { trials, targetMs, warmup: 3 };
}

export { median };
