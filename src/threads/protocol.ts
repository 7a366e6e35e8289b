// The shared control block between the calling thread and the pool's workers: one
// SharedArrayBuffer read as Int32 (control words) and Float64 (a job's arguments and the chunks'
// reduction results). Both sides use these offsets; the worker source (worker-source.ts) receives
// them in its init message.
//
// A job is one kernel call cut into chunks (aligned ranges). Every thread, the calling one
// included, claims chunks one at a time with a compare-and-swap on the JOB word, which holds the
// job's generation and the next unclaimed chunk: a claim can only succeed while its job is in
// progress, and the job description is never rewritten while a chunk of it is unclaimed, so a
// successful claim proves the description the claimer read is the current one. A thread that is
// descheduled or asleep simply claims fewer chunks (or none); the calling thread never waits for a
// worker that has not started a chunk.

/** Int32 indices of the control words. */
export const CTL = {
  /** (generation << CHUNK_BITS) | next unclaimed chunk. Stored (and notified) to publish a job. */
  JOB: 0,
  /** Chunks finished by workers in the current job. */
  DONE: 1,
  /** 1 + the index of the first worker whose kernel threw (0: none). */
  ERROR: 2,
  /** 1: workers leave their loop. */
  STOP: 3,
  /** The job: export index, arena slot, element count, chunk length, chunk count. */
  FN: 4,
  SLOT: 5,
  N: 6,
  CHUNK: 7,
  CHUNKS: 8,
  /** How many leading arguments are byte pointers (offset per chunk; 0 stays 0). */
  POINTERS: 9,
  /** How many arguments the job has (pointers, then n, then scalars). */
  ARGS: 10,
  /** float64 sums each chunk leaves at its thread's reduction scratch (0: none). */
  SCRATCH: 11,
  /** SEEN + w: the last generation worker w saw (its liveness). */
  SEEN: 16,
  /** SLEEP + w: 1 while worker w sleeps (the calling thread must notify JOB). */
  SLEEP: 48,
} as const;

export const CHUNK_BITS = 7;
/** Chunks per job at most. */
export const MAX_CHUNKS = 1 << CHUNK_BITS;
/** Generations wrap within 24 bits, so that JOB stays a positive int32. */
export const GEN_MASK = (1 << 24) - 1;

/** Workers at most (each has a SEEN and a SLEEP word, a reduction block and ready flags). */
export const MAX_WORKERS = 15;
/** Float64 index of the job arguments (byte 1024). */
export const ARGS_F64 = 128;
export const MAX_ARGS = 64;
/** Float64 index of the chunks' results: RESULTS + c * RESULT_STRIDE holds chunk c's return value and reduction sums. */
export const RESULTS_F64 = ARGS_F64 + MAX_ARGS;
export const MAX_SCRATCH = 7;
export const RESULT_STRIDE = 1 + MAX_SCRATCH;
/** Int32 index of the ready flags: READY + slot * (MAX_WORKERS + 1) + w holds the id of the arena attached there. */
export const READY = (RESULTS_F64 + MAX_CHUNKS * RESULT_STRIDE) * 2;
/** Arenas attached at once. */
export const MAX_SLOTS = 1024;
export const CONTROL_BYTES = (READY + MAX_SLOTS * (MAX_WORKERS + 1)) * 4;

/** The calling thread's float64 reduction block (REDUCTION_SCRATCH in assembly/common.ts). */
export const MAIN_SCRATCH = 64512;
/** Worker w (0-based) writes its reduction results 1 KiB lower per worker, inside the reserved page. */
export const workerScratch = (w: number): number => MAIN_SCRATCH - 1024 * (w + 1);

/** Element alignment of chunk boundaries: 16 float32 = one 64-byte cache line. */
export const CHUNK_ALIGN = 16;

/**
 * The chunk length for n elements over `threads` threads: about `perThread` chunks per thread (so a
 * slow thread leaves little behind), at least `minChunk` elements (so claims stay cheap), a multiple
 * of CHUNK_ALIGN, and at most MAX_CHUNKS chunks. Every chunk but the last is a whole number of SIMD
 * vectors, so each element runs through the same code path (vector body or scalar tail) as in one
 * call over all n.
 */
export function chunkLength(n: number, threads: number, perThread = 4, minChunk = 4096): number {
  const want = Math.max(minChunk, Math.ceil(n / (threads * perThread)), Math.ceil(n / MAX_CHUNKS));
  return Math.ceil(want / CHUNK_ALIGN) * CHUNK_ALIGN;
}

/** [start, end) of chunk c. */
export function chunkRange(n: number, chunk: number, c: number): [number, number] {
  return [c * chunk, Math.min(n, (c + 1) * chunk)];
}
