/**
 * A persistent pool of worker threads that step chunks of shared-memory arenas.
 *
 * Each arena is attached once: every worker instantiates the same kernel build over the arena's
 * shared WebAssembly.Memory. A kernel call above `minElements` is then cut into aligned chunks
 * (protocol.ts) that the calling thread and the workers claim one at a time: a worker that is
 * asleep, descheduled or gone simply takes fewer chunks, so a step is never slower than the calling
 * thread doing it alone by more than one chunk. The calling thread then waits only for chunks that
 * workers claimed — spinning, then blocking where it may (never on a browser's main thread) — and
 * never longer than `timeoutMs`. Reductions are combined per chunk in chunk order, so their results
 * do not depend on which thread ran what.
 */
import { WorkerPoolError, WorkerTimeoutError } from '../errors';
import type { KernelExports } from '../wasm/kernels';
import { kernelVariantBytes, type KernelBuild } from '../wasm/loader';
import {
  CTL, ARGS_F64, MAX_ARGS, MAX_WORKERS, READY, MAX_SLOTS, CONTROL_BYTES, MAIN_SCRATCH, RESULTS_F64, RESULT_STRIDE, MAX_SCRATCH,
  CHUNK_BITS, MAX_CHUNKS, GEN_MASK, workerScratch, chunkLength,
} from './protocol';
import { KERNEL_TRAITS, type KernelTrait } from './traits';
import { WORKER_SOURCE } from './worker-source';

export interface PoolOptions {
  /** Worker threads (the calling thread steps chunks too). */
  readonly workers: number;
  /** Kernel calls over fewer elements run on the calling thread alone. */
  readonly minElements: number;
  /**
   * The same, when the workers have been idle longer than `spinMs` (so they sleep, and waking them
   * costs tens of µs): e.g. the first kernel call of a step in a training loop.
   */
  readonly minElementsIdle: number;
  /** How long the calling thread waits for a chunk a worker claimed, and how long a worker may ignore jobs, before an error. */
  readonly timeoutMs: number;
  /** How long a worker spins for the next job before it sleeps (a wake-up costs tens of µs). */
  readonly spinMs: number;
}

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
  // Structural type: the published declarations must not depend on @types/node.
  const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as { Worker: NodeWorkerClass };
  const w = new NodeWorker(WORKER_SOURCE, { eval: true });
  w.on('message', onMessage);
  w.on('error', (err: Error) => onFailure(err.message));
  w.on('exit', (code: number) => onFailure(`exited with code ${code}`));
  w.unref(); // after the listeners, which would ref it again: an idle pool never keeps the process alive
  return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
}

/** The part of node:worker_threads' Worker the pool uses. */
type NodeWorkerClass = new (source: string, options: { eval: boolean }) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: 'message' | 'error' | 'exit', listener: (arg: any) => void): void;
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
};

/** One arena attached to the pool: the calling thread's instance and the proxy that splits calls. */
interface Attachment {
  readonly slot: number;
  readonly id: number;
  readonly direct: KernelExports;
  ready: boolean;
  /** A worker failure this arena's caller has not been told about yet (see takeError). */
  error?: WorkerPoolError;
  /** Whether this arena was told about the pool's failure. */
  toldFailure?: boolean;
}

/** An arena attached to the pool. */
export interface AttachedKernels {
  /** Kernels whose listed exports split large calls across the pool. */
  readonly kernels: KernelExports;
  /**
   * A worker failure met by kernel calls that still completed (the other threads took the
   * chunks), once: the optimizer throws it at the end of the step, after every group.
   */
  takeError(): WorkerPoolError | undefined;  /** Detaches the arena now (otherwise that happens when the kernels object is garbage-collected). */
  release(): void;
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
  /** Chunks of those calls that workers ran (the calling thread ran the others). */
  workerChunks = 0;
  /** How many times the pool backed off to one thread because the workers ran too few chunks. */
  backoffs = 0;
  private calls = 0;
  private backoffUntil = 0;
  private backoff = 256;
  private shareAvg = 1;
  private judged = 0;
  private noBackoff = false;
  private nextId = 1;
  /** When the last split call ended (performance.now()): the workers spin for spinMs after it. */
  private lastJobEnd = -Infinity;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread); found out on first try. */
  private canBlock = true;
  private failure: string | undefined;
  private closedFlag = false;
  private gen = 0;
  /** Per worker: the generation it last saw, and since when it has not moved while jobs were published. */
  private readonly lastSeen: number[] = [];
  private readonly lagSince: number[] = [];

  /** Current thresholds (options.minElements/minElementsIdle, or calibrated). */
  private minElements: number;
  private minElementsIdle: number;

  private constructor(options: PoolOptions) {
    this.options = options;
    this.minElements = options.minElements;
    this.minElementsIdle = options.minElementsIdle;
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
          else if (m.type === 'error' && !this.closedFlag) this.fail(`worker ${w}: ${m.message}`);
        },
        (why) => {
          failed(new WorkerPoolError(`Worker ${w} failed to start: ${why}`));
          if (!this.closedFlag) this.fail(`worker ${w} ${why}`); // not the exits close() causes
        },
      );
      this.workers.push(worker);
      worker.post({
        type: 'init', ctl: this.ctl.buffer, index: w, names: this.names,
        layout: {
          CTL, CHUNK_BITS, MAX_CHUNKS, ARGS_F64, RESULTS_F64, RESULT_STRIDE, READY, STRIDE, spinMs: this.options.spinMs,
        },
      });
      this.lastSeen.push(0);
      this.lagSince.push(NaN);
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
    if (free >= MAX_SLOTS || !this.open) return { kernels: direct, takeError: () => undefined, release: () => undefined };
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
    return { kernels: proxy as unknown as KernelExports, takeError, release: () => this.detach(free, att.id) };
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
    Atomics.notify(this.ctl, CTL.JOB);
    for (const w of this.workers) w.terminate();
  }

  /**
   * Wakes sleeping workers so that they spin (for `spinMs`) for the next kernel call. Call it a
   * little before a step (e.g. when the backward pass starts) to save the step the wake-up.
   */
  wake(): void {
    if (!this.open) return;
    Atomics.notify(this.ctl, CTL.JOB);
    this.lastJobEnd = performance.now();
  }

  /** Sets the size thresholds (e.g. from calibration); the idle one is never below the busy one. */
  setThresholds(minElements: number, minElementsIdle: number): void {
    this.minElements = minElements;
    this.minElementsIdle = Math.max(minElements, minElementsIdle);
  }

  /** The size thresholds in force. */
  get thresholds(): { readonly minElements: number; readonly minElementsIdle: number } {
    return { minElements: this.minElements, minElementsIdle: this.minElementsIdle };
  }

  /** Splits every call regardless of size or recent worker share until the returned function is called (calibration, tests). */
  forceSplit(): () => void {
    const saved = [this.minElements, this.minElementsIdle];
    this.minElements = this.minElementsIdle = 0;
    this.noBackoff = true;
    return () => {
      [this.minElements, this.minElementsIdle] = saved;
      this.noBackoff = false;
    };
  }

  /** Test hook: makes worker `w` stop answering (as a hung worker would). */
  simulateHang(w: number): void {
    this.workers[w].post({ type: 'hang' });
  }

  /** Test hook: ends worker `w` (as a crash would). */
  simulateCrash(w: number): void {
    this.workers[w].terminate();
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
    if (n < this.minElements || !this.open || !this.isReady(att) || args.length > MAX_ARGS || (trait.scratch ?? 0) > MAX_SCRATCH) {
      this.reportFailure(att);
      return fn(...args);
    }
    const chunk = chunkLength(n, this.threads);
    const chunks = Math.ceil(n / chunk);
    if (chunks < 2) return fn(...args);
    const now = performance.now();
    // Were the workers spinning when this call came (not asleep after an idle gap)?
    const warm = now - this.lastJobEnd <= this.options.spinMs;
    let split = true;
    if (this.calls++ < this.backoffUntil && !this.noBackoff) {
      split = false; // the workers have not been pulling their weight lately (see below)
    } else if (n < this.minElementsIdle && now - this.lastJobEnd > this.options.spinMs) {
      // The workers sleep: waking them would cost more than this call. Wake them for the next one.
      this.wake();
      split = false;
    }
    if (!split) {
      // Reductions still run chunk by chunk, so their sums do not depend on whether a call was split.
      return trait.scratch || trait.returns ? this.runChunks(att, index, fn, trait, args, n, chunk, chunks, false, now) : fn(...args);
    }
    return this.runChunks(att, index, fn, trait, args, n, chunk, chunks, true, now, warm);
  }

  /**
   * Runs a call as `chunks` chunks: published to the workers and claimed by every thread (`publish`),
   * or all on this thread. Combines reductions in chunk order either way.
   */
  private runChunks(
    att: Attachment, index: number, fn: (...a: number[]) => number, trait: KernelTrait, args: number[],
    n: number, chunk: number, chunks: number, publish: boolean, started: number, warm = false,
  ): number {
    const { ctl, f64 } = this;
    const scratch = trait.scratch ?? 0;
    let gen = 0;
    if (publish) {
      ctl[CTL.FN] = index;
      ctl[CTL.SLOT] = att.slot;
      ctl[CTL.N] = n;
      ctl[CTL.CHUNK] = chunk;
      ctl[CTL.CHUNKS] = chunks;
      ctl[CTL.POINTERS] = trait.pointers;
      ctl[CTL.ARGS] = args.length;
      ctl[CTL.SCRATCH] = scratch;
      for (let i = 0; i < args.length; i++) f64[ARGS_F64 + i] = +args[i];
      Atomics.store(ctl, CTL.DONE, 0);
      gen = this.gen = (this.gen + 1) & GEN_MASK;
      Atomics.store(ctl, CTL.JOB, gen << CHUNK_BITS); // publishes the job
      for (let w = 0; w < this.workers.length; w++) {
        if (Atomics.load(ctl, CTL.SLEEP + w)) {
          Atomics.notify(ctl, CTL.JOB);
          break;
        }
      }
      this.splitCalls++;
    }

    // Claim chunks here (all of them when not published), until none is left.
    const buffer = att.direct.memory.buffer;
    const part = args.slice();
    let mine = 0;
    for (let next = 0; ; ) {
      let c: number;
      if (publish) {
        const cur = Atomics.load(ctl, CTL.JOB);
        c = cur & (MAX_CHUNKS - 1);
        if (c >= chunks) break;
        if (Atomics.compareExchange(ctl, CTL.JOB, cur, cur + 1) !== cur) continue;
      } else {
        c = next++;
        if (c >= chunks) break;
      }
      const start = c * chunk;
      for (let i = 0; i < trait.pointers; i++) part[i] = args[i] !== 0 ? args[i] + start * 4 : 0;
      part[trait.pointers] = Math.min(n, start + chunk) - start;
      const at = RESULTS_F64 + c * RESULT_STRIDE;
      f64[at] = +fn(...part);
      if (scratch) f64.set(new Float64Array(buffer, MAIN_SCRATCH, scratch), at + 1);
      mine++;
    }
    if (publish) {
      // Wait for the chunks the workers claimed.
      const theirs = chunks - mine;
      this.workerChunks += theirs;
      if (Atomics.load(ctl, CTL.DONE) < theirs) this.waitForWorkers(theirs, started);
      const finished = performance.now();
      this.lastJobEnd = finished;
      if (Atomics.load(ctl, CTL.ERROR) !== 0) {
        const why = `worker ${Atomics.load(ctl, CTL.ERROR) - 1}'s kernel threw during ${this.names[index]}`;
        this.fail(why);
        this.close();
        throw new WorkerPoolError(`${why}; its chunk may be partly stepped. The pool is closed: later steps run on one thread`);
      }
      this.checkLiveness(att, gen, finished);
      // A worker woken by this call arrives late by design; judge only calls it was awake for.
      if (warm) this.judgeWorkers(theirs / chunks);
    }

    // Combine in chunk order, whoever ran them.
    if (scratch) {
      const sums = new Float64Array(scratch);
      for (let c = 0; c < chunks; c++) for (let k = 0; k < scratch; k++) sums[k] += f64[RESULTS_F64 + c * RESULT_STRIDE + 1 + k];
      new Float64Array(buffer, MAIN_SCRATCH, scratch).set(sums);
    }
    if (!trait.returns) return undefined as unknown as number;
    let result = f64[RESULTS_F64];
    for (let c = 1; c < chunks; c++) {
      const r = f64[RESULTS_F64 + c * RESULT_STRIDE];
      result = trait.returns === 'sum' ? result + r : trait.returns === 'max' ? Math.max(result, r) : result && r ? 1 : 0;
    }
    return result;
  }

  /**
   * Backs off when the workers do not pull their weight: if, over recent split calls, they ran
   * less than half their fair share of chunks (they were asleep, descheduled, or share one
   * physical core with this thread, where their spinning only slows it down), the next calls run
   * on this thread alone — 256 of them, doubling while it keeps happening (up to 16K) — and the
   * workers fall asleep. Results do not change: element-wise calls are identical either way and
   * reductions are combined per chunk in both.
   */
  private judgeWorkers(share: number): void {
    const fair = this.workers.length / this.threads;
    this.shareAvg = 0.75 * this.shareAvg + 0.25 * (share / fair);
    if (++this.judged < 8) return;
    if (this.shareAvg < 0.5) {
      this.backoffUntil = this.calls + this.backoff;
      this.backoff = Math.min(this.backoff * 2, 16384);
      this.backoffs++;
      this.shareAvg = 1;
      this.judged = 0;
    } else if (this.shareAvg > 0.8) {
      this.backoff = 256;
    }
  }

  /** Spins, then blocks where it may, until the workers finished `theirs` chunks; throws after timeoutMs. */
  private waitForWorkers(theirs: number, started: number): void {
    const { ctl } = this;
    const deadline = performance.now() + this.options.timeoutMs;
    // A claimed chunk is usually finished about when ours are: spin a little (about as long as
    // this call took so far), then leave the core to the worker.
    const spinUntil = performance.now() + Math.max(0.02, performance.now() - started);
    let k = 0;
    let done: number;
    while ((done = Atomics.load(ctl, CTL.DONE)) < theirs) {
      if ((++k & 255) !== 0) continue;
      const t = performance.now();
      if (t > deadline) {
        this.fail(`a worker did not finish a chunk within ${this.options.timeoutMs} ms`);
        this.close();
        throw new WorkerTimeoutError(
          `A worker did not finish its chunk of this kernel call within ${this.options.timeoutMs} ms; that chunk may be partly stepped. ` +
            'The pool is closed: later steps run on one thread',
        );
      }
      if (t > spinUntil && this.canBlock) {
        try {
          Atomics.wait(ctl, CTL.DONE, done, Math.min(5, deadline - t));
        } catch {
          this.canBlock = false; // a browser's main thread: keep spinning
        }
      }
    }
  }

  /**
   * A worker that has not looked at any job for `timeoutMs` while jobs were published is hung or
   * gone: the calls completed without it, and the arena's caller gets the error after this step.
   */
  private checkLiveness(att: Attachment, gen: number, now: number): void {
    for (let w = 0; w < this.workers.length; w++) {
      const seen = Atomics.load(this.ctl, CTL.SEEN + w);
      if (seen === gen || seen !== this.lastSeen[w]) {
        this.lastSeen[w] = seen;
        this.lagSince[w] = NaN;
      } else if (Number.isNaN(this.lagSince[w])) {
        this.lagSince[w] = now;
      } else if (now - this.lagSince[w] > this.options.timeoutMs) {
        const why = `worker ${w} took no job for ${Math.round(now - this.lagSince[w])} ms (timeout ${this.options.timeoutMs} ms)`;
        this.fail(why);
        this.close();
        att.toldFailure = true;
        att.error = new WorkerTimeoutError(
          `${why}; the other threads stepped every chunk, so the step completed. The pool is closed: later steps run on one thread`,
        );
        return;
      }
    }
  }

  /** Tells an arena once that the pool failed (a worker crashed) since it last split a call. */
  private reportFailure(att: Attachment): void {
    if (this.failure === undefined || att.toldFailure) return;
    att.toldFailure = true;
    this.close();
    att.error ??= new WorkerPoolError(
      `The worker pool failed (${this.failure}); this step ran on one thread and completed. The pool is closed: later steps run on one thread`,
    );
  }
}
