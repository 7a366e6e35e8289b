// Helpers shared by every kernel. Kernels trust their inputs: the TS layer validates
// options, pointers and lengths once before calling in.

/** Byte offset of element i in a float32 slot. */
@inline export function at(i: i32): usize {
  return (<usize>i) << 2;
}

/** Number of elements covered by the f32x4 main loop (the rest is the scalar tail). */
@inline export function simdEnd(n: i32): i32 {
  return n & ~3;
}

/**
 * Reduction results: kernels that reduce over a whole group (HVAdam's dot products) write their
 * float64 sums here, inside the reserved first page (RESERVED_BYTES in src/layout.ts), and the TS
 * layer reads them right after the call. Bytes [64512, 65536): 128 f64 values.
 * HVAdam uses [64512, 64544): 4 f64.
 */
export const REDUCTION_SCRATCH: usize = 64512;
