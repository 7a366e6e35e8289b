/**
 * Multi-thread steps: `await initThreads()` starts one pool of worker threads; every optimizer
 * created after it gets a shared-memory arena whose large kernel calls are split into aligned
 * ranges, one per thread (the calling thread steps the first). Rules are element-wise, so the
 * split is exact: results are bit-identical to one thread (HVAdam's group sums are added across
 * threads in float64, so its hidden-vector coefficients can differ in the last bits).
 *
 * Where threads cannot run — no SharedArrayBuffer (a page that is not cross-origin isolated), no
 * workers — `initThreads` resolves with `threads: 1` and the reason, and everything runs on one
 * thread as before.
 */
import { WorkerPoolError } from '../errors';
import { selectKernelBuild, type KernelBuild } from '../wasm/loader';
import { MAX_WORKERS } from './protocol';
import { WorkerPool } from './pool';
import { calibrate, type Calibration } from './calibrate';

export { WorkerPool } from './pool';
export { KERNEL_TRAITS, type KernelTrait } from './traits';
export { CALIBRATION_SIZES, type Calibration, type CalibrationRow } from './calibrate';

/**
 * Kernel calls over fewer elements than this run on the calling thread alone. Measured on a
 * 2-core VM (bench/README.md, "Where the worker pool pays"): with the worker spinning (steps back
 * to back), two threads win from ~16K–32K elements.
 */
export const DEFAULT_MIN_ELEMENTS = 32768;

/**
 * The same when the workers have been idle past their spin time and must be woken (a training
 * loop: forward and backward run between steps). The wake-up costs ~50–100 µs on that VM, so
 * splitting pays only from a few hundred K elements.
 */
export const DEFAULT_MIN_ELEMENTS_IDLE = 262144;

export interface ThreadsOptions {
  /**
   * Threads that step together, the calling one included: a number, or 'auto' (default): the
   * core count, if a calibration (about 50 ms at start) finds that splitting pays on this machine.
   */
  readonly threads?: number | 'auto';
  /**
   * Kernel calls over fewer elements run on the calling thread alone. Default: calibrated with
   * 'auto' (the smallest size where splitting was clearly faster), else DEFAULT_MIN_ELEMENTS.
   */
  readonly minElements?: number;
  /**
   * The threshold when the workers have slept (idle longer than `spinMs`). Default
   * DEFAULT_MIN_ELEMENTS_IDLE, and never below `minElements`.
   */
  readonly minElementsIdle?: number;
  /** How long a step waits for a worker before it throws WorkerTimeoutError. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /**
   * How long an idle worker keeps spinning for the next job before it sleeps. A sleeping worker
   * costs a wake-up (tens of µs) at the next step; a spinning one costs a core. Default 1 ms.
   */
  readonly spinMs?: number;
}

export interface ThreadsInfo {
  /** Threads that step together (1: no workers). */
  readonly threads: number;
  /** Why there are no workers, when `threads` is 1 but more were asked for. */
  readonly reason?: string;
  /** The kernel build in use. */
  readonly build: KernelBuild;
  /** What the 'auto' calibration measured (µs per Adam call on one thread and split). */
  readonly calibration?: Calibration;
  /** The size thresholds in force. */
  readonly minElements?: number;
  readonly minElementsIdle?: number;
}

let pool: WorkerPool | undefined;

/** How many hardware threads this runtime reports (navigator where it exists, else Node's os). */
async function coreCount(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    const specifier = 'node:os';
    // Structural type: the published declarations must not depend on @types/node.
    const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus: () => unknown[] };
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/** Why shared-memory threads cannot run here, or undefined when they can. */
export function threadsUnavailableReason(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is unavailable (a page must be cross-origin isolated)';
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (COOP/COEP headers)';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (err) {
    return `shared WebAssembly memory is unavailable: ${(err as Error).message}`;
  }
  if (typeof (globalThis as { Worker?: unknown }).Worker !== 'function' && (globalThis as { process?: unknown }).process === undefined) {
    return 'this runtime has no Worker';
  }
  return undefined;
}

let fallbackAnnounced = false;

/** One thread because this environment cannot run workers over shared memory: said once per realm. */
function fallBack(reason: string, build: ThreadsInfo['build']): ThreadsInfo {
  if (!fallbackAnnounced) {
    fallbackAnnounced = true;
    console.warn(`edgeoptim: multi-threaded steps are unavailable (${reason}); stepping on one thread.`);
  }
  return { threads: 1, reason, build };
}

/**
 * Starts the worker pool (closing any previous one) and compiles the shared-memory kernels.
 * Optimizers created afterwards step with it; earlier ones stay on one thread.
 */
export async function initThreads(options: ThreadsOptions = {}): Promise<ThreadsInfo> {
  const build = await selectKernelBuild({}, true);
  closeThreads();
  const requested = options.threads ?? 'auto';
  if (requested !== 'auto' && !(Number.isInteger(requested) && requested >= 1)) {
    throw new WorkerPoolError(`threads must be a positive integer or 'auto'; got ${String(requested)}`);
  }
  const threads = Math.min(requested === 'auto' ? await coreCount() : requested, MAX_WORKERS + 1);
  if (threads <= 1) return { threads: 1, build };
  const reason = threadsUnavailableReason();
  if (reason) return fallBack(reason, build);
  try {
    pool = await WorkerPool.create({
      workers: threads - 1,
      minElements: options.minElements ?? DEFAULT_MIN_ELEMENTS,
      minElementsIdle: Math.max(options.minElementsIdle ?? DEFAULT_MIN_ELEMENTS_IDLE, options.minElements ?? DEFAULT_MIN_ELEMENTS),
      timeoutMs: options.timeoutMs ?? 10_000,
      spinMs: options.spinMs ?? 1,
    });
  } catch (err) {
    return fallBack((err as Error).message, build);
  }
  let calibration: Calibration | undefined;
  if (requested === 'auto') {
    calibration = await calibrate(pool, build);
    if (calibration.minElements === undefined) {
      closeThreads();
      const at = calibration.rows[calibration.rows.length - 1];
      return {
        threads: 1,
        reason: `calibration: splitting did not pay on this machine (Adam, ${at.n} elements: ${at.oneUs.toFixed(0)} µs on one thread, ${at.splitUs.toFixed(0)} µs split)`,
        build,
        calibration,
      };
    }
    const min = options.minElements ?? calibration.minElements;
    pool.setThresholds(min, options.minElementsIdle ?? Math.max(DEFAULT_MIN_ELEMENTS_IDLE, min));
  }
  return { threads: pool.threads, build, calibration, ...pool.thresholds };
}

/** Stops the workers. Optimizers that used them keep working, on one thread. */
export function closeThreads(): void {
  pool?.close();
  pool = undefined;
}

/** The running pool, if any. */
export function threadPool(): WorkerPool | undefined {
  return pool?.open ? pool : undefined;
}

/** Resolves once the workers have attached every arena created so far (they do so asynchronously). */
export async function whenThreadsReady(): Promise<void> {
  await pool?.whenReady();
}
