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
export let REDUCTION_SCRATCH: usize = 64512;

/**
 * Moves this instance's reduction results elsewhere. Each instance (one per thread) over a shared
 * memory has its own globals, so the worker threads of src/threads/ each point theirs at their own
 * block below 64512 and the main thread combines the blocks (a mutable global: one per instance).
 */
export function set_reduction_scratch(ptr: usize): void {
  REDUCTION_SCRATCH = ptr;
}

/**
 * a * b + c, lane-wise. The relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD, see
 * scripts/build-wasm.mjs) fuses it where the hardware can (one rounding instead of two); the strict
 * build rounds the product and the sum. Write `x + a * b` as madd(a, b, x): in the strict build the
 * result is bit-identical to the unfused expression.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c - a * b, lane-wise: fused in the relaxed-SIMD build, like madd. */
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}
