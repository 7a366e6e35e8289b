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
