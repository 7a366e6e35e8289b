// The shared control block between the main thread and the pool's workers: one SharedArrayBuffer
// read as Int32 (control words) and Float64 (a job's arguments). Both sides use these offsets;
// the worker source (worker-source.ts) receives them in its init message.

/** Int32 indices of the control words. */
export const CTL = {
  /** Job generation: bumped (and notified) by the main thread to publish a job. */
  GEN: 0,
  /** Workers that finished the current job (reset to 0 before a job is published). */
  DONE: 1,
  /** 1 + the index of the first worker whose kernel threw (0: none). */
  ERROR: 2,
  /** 1: workers leave their loop. */
  STOP: 3,
  /** The job: export index, arena slot, element count, parts (main + workers taking part). */
  FN: 4,
  SLOT: 5,
  N: 6,
  PARTS: 7,
  /** How many leading arguments are byte pointers (offset per range; 0 stays 0). */
  POINTERS: 8,
  /** How many arguments the job has (pointers, then n, then scalars). */
  ARGS: 9,
  /** Element alignment of range boundaries. */
  ALIGN: 10,
  /** CLAIM + w: the last generation worker w claimed (or the main thread took over). */
  CLAIM: 16,
} as const;

/** Workers at most (each has a claim word, a reduction block and ready flags). */
export const MAX_WORKERS = 15;
/** Float64 index of the job arguments (byte 1024). */
export const ARGS_F64 = 128;
export const MAX_ARGS = 64;
/** Int32 index of the ready flags: READY + slot * (MAX_WORKERS + 1) + w holds the id of the arena attached there. */
export const READY = 1024;
/** Arenas attached at once. */
export const MAX_SLOTS = 1024;
export const CONTROL_BYTES = (READY + MAX_SLOTS * (MAX_WORKERS + 1)) * 4;

/** The main thread's float64 reduction block (REDUCTION_SCRATCH in assembly/common.ts). */
export const MAIN_SCRATCH = 64512;
/** Worker w (0-based) writes its reduction results 1 KiB lower per worker, inside the reserved page. */
export const workerScratch = (w: number): number => MAIN_SCRATCH - 1024 * (w + 1);

/**
 * The element range of part `part` of `parts` over n elements: boundaries rounded down to
 * `align` elements, so every range but the last is a whole number of SIMD vectors and cache lines,
 * and each element runs through the same code path (vector body or scalar tail) as in one call.
 */
export function partRange(n: number, parts: number, part: number, align: number): [number, number] {
  const bound = (k: number): number => (k >= parts ? n : Math.floor((n * k) / parts / align) * align);
  return [bound(part), bound(part + 1)];
}
