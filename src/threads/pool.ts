/**
 * A persistent pool of worker threads that step ranges of shared-memory arenas.
 *
 * Each arena is attached once: every worker instantiates the same kernel build over the arena's
 * shared WebAssembly.Memory. A kernel call above `minElements` is then split into one aligned range
 * per thread (the calling thread takes the first): the job is published through a shared control
 * block (protocol.ts), the workers, spinning for `spinMs` after each job, pick it up, and the
 * caller spins until every worker has acknowledged it — never blocking, so this also runs on a
 * browser's main thread, and never longer than `timeoutMs`.
 */
import { WorkerPoolError, WorkerTimeoutError } from '../errors';
import type { KernelExports } from '../wasm/kernels';
import { kernelVariantBytes, type KernelBuild } from '../wasm/loader';
import { CTL, ARGS_F64, MAX_ARGS, MAX_WORKERS, READY, MAX_SLOTS, CONTROL_BYTES, MAIN_SCRATCH, workerScratch, partRange } from './protocol';
import { KERNEL_TRAITS, type KernelTrait } from './traits';
import { WORKER_SOURCE } from './worker-source';

export interface PoolOptions {
  /** Worker threads (the calling thread steps a range too). */
  readonly workers: number;
  /** Kernel calls over fewer elements run on the calling thread alone. */
  readonly minElements: number;
  /**
   * The same, when the workers have been idle longer than `spinMs` (so they sleep, and waking them
   * costs tens of µs): e.g. the first kernel call of a step in a training loop.
   */
  readonly minElementsIdle: number;
  /** How long the calling thread waits for a worker's range before giving up. */
  readonly timeoutMs: number;
  /** How long a worker spins for the next job before it sleeps (a wake-up costs tens of µs). */
  readonly spinMs: number;
}

/** Element alignment of range boundaries: 16 float32 = one 64-byte cache line. */
const RANGE_ALIGN = 16;
/** Float64 index of the workers' return values (after the arguments). */
const RESULTS_F64 = ARGS_F64 + MAX_ARGS;
const STRIDE = MAX_WORKERS + 1;

interface PortableWorker {
  post(message: unknown): void;
  terminate(): void;
}

type MessageHandler = (m: { type: string; message?: string }) => void;

/**
 * Node itself (not Deno or Bun, which also set process.versions.node). Node has no web Worker,
 * but libraries (emscripten output, e.g. ONNX Runtime's or TF.js's wasm glue) may put
 * worker_threads' Worker on globalThis, which cannot start from a Blob URL.
 */
function isNode(): boolean {
  const g = globalThis as { process?: { versions?: Record<string, string> }; Deno?: unknown };
  const versions = g.process?.versions;
  return !!versions?.node && !versions.bun && g.Deno === undefined;
}

/** Starts a worker from source text: web-style Worker where there is one, else node:worker_threads. */
async function spawnWorker(onMessage: MessageHandler, onFailure: (why: string) => void): Promise<PortableWorker> {
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === 'function' && !isNode()) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new WebWorker(url, { type: 'module' });
    w.onmessage = (e: MessageEvent) => onMessage(e.data);
    w.onerror = (e: ErrorEvent) => onFailure(e.message ?? 'worker error');
    // Bun (and Deno, where it exists) let an idle worker not keep the process alive; browsers need nothing.
    (w as { unref?: () => void }).unref?.();
    return { post: (m) => w.postMessage(m), terminate: () => { w.terminate(); URL.revokeObjectURL(url); } };
  }
  // Node: load worker_threads only here, so other runtimes never touch a Node-only module.
  const specifier = 'node:worker_threads';
  const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
  const w = new NodeWorker(WORKER_SOURCE, { eval: true });
  w.on('message', onMessage);
  w.on('error', (err: Error) => onFailure(err.message));
  w.on('exit', (code: number) => onFailure(`exited with code ${code}`));
  w.unref(); // after the listeners, which would ref it again: an idle pool never keeps the process alive
  return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
}

/** One arena attached to the pool: the calling thread's instance and the proxy that splits calls. */
interface Attachment {
  readonly slot: number;
  readonly id: number;
  readonly direct: KernelExports;
  ready: boolean;
  /** A worker failure this arena's caller has not been told about yet (see takeError). */
  error?: WorkerPoolError;
}

/** An arena attached to the pool. */
export interface AttachedKernels {
  /** Kernels whose listed exports split large calls across the pool. */
  readonly kernels: KernelExports;
  /**
   * The worker failure met by a kernel call that still completed (its ranges were stepped on the
   * calling thread), once: the optimizer throws it at the end of the step, after every group.
   */
  takeError(): WorkerPoolError | undefined;
}

export class WorkerPool {
  /** Threads that step a split call: the workers and the calling thread. */
  readonly threads: number;
  readonly options: PoolOptions;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly names: string[];
  private readonly traits: KernelTrait[];
  private readonly workers: PortableWorker[] = [];
  private readonly buildsSent = new Set<string>();
  private readonly slots: (Attachment | undefined)[] = [];
  private readonly finalizer = new FinalizationRegistry<{ slot: number; id: number }>((h) => this.detach(h.slot, h.id));
  /** Kernel calls split across the threads so far (the rest ran whole on the calling thread). */
  splitCalls = 0;
  private nextId = 1;
  /** When the last split call ended (performance.now()): the workers spin for spinMs after it. */
  private lastJobEnd = -Infinity;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread); found out on first try. */
  private canBlock = true;
  private failure: string | undefined;
  private closedFlag = false;

  private constructor(options: PoolOptions) {
    this.options = options;
    this.threads = options.workers + 1;
    const sab = new SharedArrayBuffer(CONTROL_BYTES);
    this.ctl = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.names = Object.keys(KERNEL_TRAITS);
    this.traits = this.names.map((n) => KERNEL_TRAITS[n]);
  }

  /** Starts `options.workers` workers and resolves once all of them answered (or rejects after timeoutMs). */
  static async create(options: PoolOptions): Promise<WorkerPool> {
    if (!(options.workers >= 1 && options.workers <= MAX_WORKERS)) {
      throw new WorkerPoolError(`A pool needs 1 to ${MAX_WORKERS} workers; got ${options.workers}`);
    }
    const pool = new WorkerPool(options);
    try {
      await pool.start();
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  private async start(): Promise<void> {
    const started: Promise<void>[] = [];
    for (let w = 0; w < this.options.workers; w++) {
      let ready!: () => void;
      let failed!: (e: Error) => void;
      started.push(new Promise<void>((res, rej) => ((ready = res), (failed = rej))));
      const worker = await spawnWorker(
        (m) => {
          if (m.type === 'ready') ready();
          else if (m.type === 'error') this.fail(`worker ${w}: ${m.message}`);
        },
        (why) => {
          failed(new WorkerPoolError(`Worker ${w} failed to start: ${why}`));
          this.fail(`worker ${w} ${why}`);
        },
      );
      this.workers.push(worker);
      worker.post({
        type: 'init', ctl: this.ctl.buffer, index: w, names: this.names, ctlLayout: CTL, spinMs: this.options.spinMs,
        ready: READY, stride: STRIDE, args: ARGS_F64, results: RESULTS_F64,
      });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new WorkerTimeoutError(`Workers did not start within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      await Promise.race([Promise.all(started), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** False once a worker failed or `close()` was called: calls then run on the calling thread. */
  get open(): boolean {
    return !this.closedFlag && this.failure === undefined;
  }

  /**
   * Attaches an arena's shared memory. Returns a KernelExports whose listed kernels split large
   * calls across the pool once every worker has instantiated the arena (asynchronously: calls made
   * before then run on the calling thread; `whenReady` tells when).
   */
  attach(memory: WebAssembly.Memory, direct: KernelExports, build: KernelBuild): AttachedKernels {
    const slot = this.slots.findIndex((s) => s === undefined);
    const free = slot >= 0 ? slot : this.slots.length;
    if (free >= MAX_SLOTS || !this.open) return { kernels: direct, takeError: () => undefined };
    const att: Attachment = { slot: free, id: this.nextId++, direct, ready: false };
    this.slots[free] = att;
    const key = build.relaxedSimd ? 'relaxed' : 'strict';
    for (let w = 0; w < this.workers.length; w++) {
      if (!this.buildsSent.has(key)) this.workers[w].post({ type: 'build', key, bytes: kernelVariantBytes(build, true) });
      this.workers[w].post({ type: 'attach', slot: free, id: att.id, key, memory, scratch: workerScratch(w) });
    }
    this.buildsSent.add(key);

    const proxy: Record<string, unknown> = { memory: direct.memory };
    const exports = direct as unknown as Record<string, unknown>;
    for (const name of Object.keys(exports)) {
      const fn = exports[name];
      if (typeof fn !== 'function') continue;
      const index = this.names.indexOf(name);
      proxy[name] = index < 0 ? fn : (...args: number[]) => this.call(att, index, args);
    }
    this.finalizer.register(proxy, { slot: free, id: att.id });
    const takeError = (): WorkerPoolError | undefined => {
      const err = att.error;
      att.error = undefined;
      return err;
    };
    return { kernels: proxy as unknown as KernelExports, takeError };
  }

  /** Resolves once every worker has instantiated every attached arena (rejects after timeoutMs). */
  async whenReady(): Promise<void> {
    const deadline = performance.now() + this.options.timeoutMs;
    while (this.open && this.slots.some((a) => a && !this.isReady(a))) {
      if (performance.now() > deadline) throw new WorkerTimeoutError(`Workers did not attach the arena within ${this.options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
    if (this.failure !== undefined) throw new WorkerPoolError(`The worker pool failed: ${this.failure}`);
  }

  /** Stops the workers. Attached arenas keep working, on the calling thread. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.add(this.ctl, CTL.GEN, 1);
    Atomics.notify(this.ctl, CTL.GEN);
    for (const w of this.workers) w.terminate();
  }

  /**
   * Wakes sleeping workers so that they spin (for `spinMs`) for the next kernel call. Call it a
   * little before a step (e.g. when the backward pass starts) to save the step the wake-up.
   */
  wake(): void {
    if (!this.open) return;
    Atomics.notify(this.ctl, CTL.GEN);
    this.lastJobEnd = performance.now();
  }

  /** Test hook: makes worker `w` stop answering (as a crashed or hung worker would). */
  simulateHang(w: number): void {
    this.workers[w].post({ type: 'hang' });
  }

  private fail(why: string): void {
    this.failure ??= why;
  }

  private detach(slot: number, id: number): void {
    const att = this.slots[slot];
    if (!att || att.id !== id) return;
    this.slots[slot] = undefined;
    for (let w = 0; w < this.workers.length; w++) Atomics.store(this.ctl, READY + slot * STRIDE + w, 0);
    if (!this.closedFlag) for (const worker of this.workers) worker.post({ type: 'detach', slot, id });
  }

  private isReady(att: Attachment): boolean {
    if (att.ready) return true;
    const base = READY + att.slot * STRIDE;
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(this.ctl, base + w) !== att.id) return false;
    att.ready = true;
    return true;
  }

  private call(att: Attachment, index: number, args: number[]): number {
    const trait = this.traits[index];
    const fn = (att.direct as unknown as Record<string, (...a: number[]) => number>)[this.names[index]];
    const n = args[trait.pointers];
    if (n < this.options.minElements || !this.open || !this.isReady(att) || args.length > MAX_ARGS) return fn(...args);
    const now = performance.now();
    if (n < this.options.minElementsIdle && now - this.lastJobEnd > this.options.spinMs) {
      // The workers sleep: waking them would cost more than this call. Wake them for the next one.
      this.wake();
      return fn(...args);
    }

    const { ctl, f64 } = this;
    const parts = this.threads;
    this.splitCalls++;
    ctl[CTL.FN] = index;
    ctl[CTL.SLOT] = att.slot;
    ctl[CTL.N] = n;
    ctl[CTL.PARTS] = parts;
    ctl[CTL.POINTERS] = trait.pointers;
    ctl[CTL.ARGS] = args.length;
    ctl[CTL.ALIGN] = RANGE_ALIGN;
    for (let i = 0; i < args.length; i++) f64[ARGS_F64 + i] = +args[i];
    Atomics.store(ctl, CTL.DONE, 0);
    const gen = Atomics.add(ctl, CTL.GEN, 1) + 1;
    Atomics.notify(ctl, CTL.GEN);

    // The calling thread's range is the first one, so its pointers need no offset.
    const [, end0] = partRange(n, parts, 0, RANGE_ALIGN);
    const own = args.slice();
    own[trait.pointers] = end0;
    let result = fn(...own);

    const workers = this.workers.length;
    if (Atomics.load(ctl, CTL.DONE) < workers) this.waitForWorkers(att, fn, trait, args, gen, performance.now() - now);
    this.lastJobEnd = performance.now();
    if (Atomics.load(ctl, CTL.ERROR) !== 0) {
      const why = `worker ${Atomics.load(ctl, CTL.ERROR) - 1}'s kernel threw during ${this.names[index]}`;
      this.fail(why);
      this.close();
      throw new WorkerPoolError(`${why}; that range may be partly stepped. The pool is closed: later steps run on one thread`);
    }
    if (trait.scratch) this.combineScratch(att, trait.scratch);
    if (trait.returns) {
      for (let w = 0; w < workers; w++) {
        const r = f64[RESULTS_F64 + w];
        result = trait.returns === 'sum' ? result + r : trait.returns === 'max' ? Math.max(result, r) : result && r ? 1 : 0;
      }
    }
    return result;
  }

  /**
   * Spins until every worker acknowledged the job. On timeout, the ranges no worker had claimed
   * are claimed and stepped here (their results and reduction blocks stored as the worker would
   * have), so the call completes: the pool closes and the error waits in `att.error` for the end
   * of the step. A range a worker claimed but never finished cannot be recovered: that throws now.
   */
  private waitForWorkers(
    att: Attachment, fn: (...a: number[]) => number, trait: KernelTrait, args: number[], gen: number, ownMs: number,
  ): void {
    const { ctl } = this;
    const workers = this.workers.length;
    const start = performance.now();
    const deadline = start + this.options.timeoutMs;
    // Spin while the workers are about as late as their share of the work suggests (they usually
    // finish with us); past that they were descheduled or asleep, so block (where this thread may)
    // and leave the core to them.
    const spinUntil = start + Math.max(0.05, 2 * ownMs);
    let k = 0;
    let done: number;
    while ((done = Atomics.load(ctl, CTL.DONE)) < workers) {
      if ((++k & 255) !== 0) continue;
      const t = performance.now();
      if (t > deadline) break;
      if (t > spinUntil && this.canBlock) {
        try {
          Atomics.wait(ctl, CTL.DONE, done, Math.min(5, deadline - t));
        } catch {
          this.canBlock = false; // a browser's main thread: keep spinning
        }
      }
    }
    if (Atomics.load(ctl, CTL.DONE) >= workers) return;

    const buffer = att.direct.memory.buffer;
    const mainBlock = trait.scratch ? new Float64Array(buffer, MAIN_SCRATCH, trait.scratch) : undefined;
    const saved = mainBlock?.slice();
    const taken: number[] = [];
    let claimedByWorkers = 0;
    for (let w = 0; w < workers; w++) {
      const last = Atomics.load(ctl, CTL.CLAIM + w);
      if (last !== gen && Atomics.compareExchange(ctl, CTL.CLAIM + w, last, gen) === last) {
        const [start, end] = partRange(args[trait.pointers], this.threads, w + 1, RANGE_ALIGN);
        const part = args.slice();
        for (let i = 0; i < trait.pointers; i++) if (part[i] !== 0) part[i] += start * 4;
        part[trait.pointers] = end - start;
        this.f64[RESULTS_F64 + w] = +fn(...part);
        if (mainBlock) new Float64Array(buffer, workerScratch(w), mainBlock.length).set(mainBlock);
        taken.push(w);
      } else {
        claimedByWorkers++;
      }
    }
    if (mainBlock && saved) mainBlock.set(saved);
    const finished = Atomics.load(ctl, CTL.DONE) >= claimedByWorkers;
    const name = this.names[ctl[CTL.FN]];
    this.fail(`worker(s) ${taken.join(', ')} did not answer within ${this.options.timeoutMs} ms`);
    this.close();
    if (!finished) {
      throw new WorkerTimeoutError(
        `A worker did not finish its range of ${name} within ${this.options.timeoutMs} ms; that range may be partly stepped. ` +
          'The pool is closed: later steps run on one thread',
      );
    }
    att.error = new WorkerTimeoutError(
      `Worker(s) ${taken.join(', ')} did not answer within ${this.options.timeoutMs} ms; their ranges were stepped on this ` +
        'thread, so the step completed. The pool is closed: later steps run on one thread',
    );
  }

  /** Adds every worker's float64 reduction block into the calling thread's (REDUCTION_SCRATCH). */
  private combineScratch(att: Attachment, count: number): void {
    const buffer = att.direct.memory.buffer;
    const main = new Float64Array(buffer, MAIN_SCRATCH, count);
    for (let w = 0; w < this.workers.length; w++) {
      const part = new Float64Array(buffer, workerScratch(w), count);
      for (let i = 0; i < count; i++) main[i] += part[i];
    }
  }
}
