// Low-precision state storage shared by the *_bf16 and *_q8 kernels (src/lowp/ has the TS twins of
// every codec here; the two must agree bit for bit).
//
// bfloat16: the upper 16 bits of a float32. Widening is exact (a shift). Narrowing rounds the
// float32 bits to nearest, ties to even (bias 0x7FFF + the kept lsb, then truncate), or
// stochastically (bias = 16 random bits). A NaN is truncated instead of rounded: the value to narrow
// always comes from an arithmetic instruction, whose NaN results have the quiet bit (bit 22) set by
// the WebAssembly spec, so truncation keeps it a NaN with its sign. Inf stays Inf; finite values
// past the largest bfloat16 round to Inf; subnormals round on the same bit grid as normals.
//
// 8-bit: blocks of Q8_BLOCK elements, one float32 absmax per block (the largest |x| in it).
//   signed   (int8,  first moments):  x = absmax · c·|c| / 127²,  c in [-127, 127]
//   unsigned (uint8, second moments): x = absmax · c⁴ / 255⁴,     c in [0, 255]
// Encoding works in the square-root (signed) or fourth-root (unsigned) domain, where the codes are
// evenly spaced: s = sqrt(|x|·127²/absmax), s = sqrt(sqrt(x·255⁴/absmax)), and c is the nearest
// code to s, except at the bottom of the maps, where one code is a large factor: there rounding is
// conservative for Adam-like updates m/sqrt(v). First moments below code 2 (2.5e-4 of absmax) round
// toward zero, c = floor(s + 1/64); second moments below code 4 (6e-8 of absmax) round up,
// c = ceil(s − 1/64); the 1/64 slack keeps a decoded code stable when re-encoded. (With nearest
// codes there, an element whose m and v sit at the bottom of their blocks stepped 4.8 times as far
// as float32 Adam would; with these thresholds 1.18 times, at the same trajectory deviation.) A
// positive value never encodes to 0 in the unsigned map (the smallest code is 1, ≈ 2.3e-10·absmax):
// a second moment quantized to 0 would turn Adam's m/(sqrt(v) + eps) into m/eps. A block whose
// absmax is below Q8_MIN_ABSMAX is stored as zeros; a block holding NaN or ±Inf decodes as NaN.
import { at, simdEnd } from './common';

// ---- bfloat16 ------------------------------------------------------------------------------------

/** Widens 4 bfloat16 values at ptr to an f32x4. */
@inline export function bf16Load4(ptr: usize): v128 {
  return i32x4.shl(v128.load16x4_u(ptr), 16);
}

/** Rounds an f32x4 to bfloat16, nearest-even: i32 lanes holding the 16-bit patterns. */
@inline export function bf16Nearest(x: v128): v128 {
  const lsb = v128.and(i32x4.shr_u(x, 16), i32x4.splat(1));
  const bias = v128.andnot(i32x4.add(lsb, i32x4.splat(0x7fff)), f32x4.ne(x, x));
  return i32x4.shr_u(i32x4.add(x, bias), 16);
}

/** Rounds an f32x4 to bfloat16 stochastically with 16 random bits per lane (in `rand`'s low halves). */
@inline export function bf16Stochastic(x: v128, rand: v128): v128 {
  const bias = v128.andnot(v128.and(rand, i32x4.splat(0xffff)), f32x4.ne(x, x));
  return i32x4.shr_u(i32x4.add(x, bias), 16);
}

/** Stores the low 16 bits of 4 i32 lanes (from bf16Nearest/bf16Stochastic) at ptr. */
@inline export function bf16Store4(ptr: usize, bits: v128): void {
  v128.store64_lane(ptr, i16x8.narrow_i32x4_u(bits, bits), 0);
}

/** Widens bfloat16 lanes 0..3 of an i16x8 (8 values loaded at once) to an f32x4. */
@inline export function bf16WidenLo(h: v128): v128 {
  return v128.shuffle<u16>(i32x4.splat(0), h, 0, 8, 1, 9, 2, 10, 3, 11);
}

/** Widens bfloat16 lanes 4..7 of an i16x8 to an f32x4. */
@inline export function bf16WidenHi(h: v128): v128 {
  return v128.shuffle<u16>(i32x4.splat(0), h, 4, 12, 5, 13, 6, 14, 7, 15);
}

/** Packs two rounded vectors (bf16Nearest/bf16Stochastic) into 8 bfloat16 values, lanes of `lo` first. */
@inline export function bf16Pack(lo: v128, hi: v128): v128 {
  return i16x8.narrow_i32x4_u(lo, hi);
}

/** Byte offset of element i in a bfloat16 slot. */
@inline export function at16(i: i32): usize {
  return (<usize>i) << 1;
}

@inline export function bf16Load(ptr: usize): f32 {
  return reinterpret<f32>(<u32>load<u16>(ptr) << 16);
}

@inline export function bf16StoreNearest(ptr: usize, x: f32): void {
  const b = reinterpret<u32>(x);
  const bias: u32 = x != x ? 0 : 0x7fff + ((b >>> 16) & 1);
  store<u16>(ptr, <u16>((b + bias) >>> 16));
}

@inline export function bf16StoreStochastic(ptr: usize, x: f32, rand: u32): void {
  const b = reinterpret<u32>(x);
  const bias: u32 = x != x ? 0 : rand & 0xffff;
  store<u16>(ptr, <u16>((b + bias) >>> 16));
}

// ---- random bits for stochastic rounding ---------------------------------------------------------

/**
 * 32 random bits for element i of a step: lowbias32 (a 32-bit integer hash) of (i + 1)·φ xor the
 * step's seed (src/lowp/ derives the seed from the group and step). Counter-based, so a step's
 * rounding depends only on (seed, element), never on how the work was split.
 */
@inline export function hash32(i: u32, seed: u32): u32 {
  let x = ((i + 1) * 0x9e3779b9) ^ seed;
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/** hash32 of 4 lanes: `index` holds i32 element indices, `seed` the splatted seed. */
@inline export function hash32x4(index: v128, seed: v128): v128 {
  let x = v128.xor(i32x4.mul(i32x4.add(index, i32x4.splat(1)), i32x4.splat(0x9e3779b9)), seed);
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x7feb352d));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(0x846ca68b));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// ---- 8-bit block quantization --------------------------------------------------------------------

/** Elements per block (QUANT_BLOCK in src/layout.ts). */
export const Q8_BLOCK: i32 = 256;
/** Blocks with a smaller absmax are stored as zeros (keeps 255⁴/absmax finite). 2^-90. */
export const Q8_MIN_ABSMAX: f32 = 8.077935669463161e-28;
const SIGNED_MAX: f32 = 16129; // 127²
/** Codes below these round conservatively (see the header), with this slack. */
const LOW_SIGNED: f32 = 2;
const LOW_UNSIGNED: f32 = 4;
const SLACK: f32 = 0.015625;

/** The signed code magnitude for s = sqrt(|x|·127²/absmax) (s >= 0 or NaN), as f32x4. */
@inline function signedRound(s: v128): v128 {
  const low = f32x4.lt(s, f32x4.splat(LOW_SIGNED));
  return v128.bitselect(f32x4.floor(f32x4.add(s, f32x4.splat(SLACK))), f32x4.nearest(s), low);
}

/** The unsigned code for s = sqrt(sqrt(x·255⁴/absmax)) (s >= 0 or NaN), as f32x4. */
@inline function unsignedRound(s: v128): v128 {
  const low = f32x4.lt(s, f32x4.splat(LOW_UNSIGNED));
  return v128.bitselect(f32x4.ceil(f32x4.sub(s, f32x4.splat(SLACK))), f32x4.nearest(s), low);
}

@inline function signedRound1(s: f32): f32 {
  return s < LOW_SIGNED ? Mathf.floor(s + SLACK) : nearest<f32>(s);
}

@inline function unsignedRound1(s: f32): f32 {
  return s < LOW_UNSIGNED ? Mathf.ceil(s - SLACK) : nearest<f32>(s);
}
const UNSIGNED_MAX: f32 = 4228250625; // 255⁴

/**
 * Where the *_q8 kernels decode a block's slots to float32: 4 KiB in the reserved first page
 * (below the worker reduction blocks of src/threads/, which start at 49152). One per instance: a
 * kernel running on a worker thread's instance over a shared memory must be given its own block.
 */
export let Q8_SCRATCH: usize = 32768;

export function set_q8_scratch(ptr: usize): void {
  Q8_SCRATCH = ptr;
}

/** Scratch row r (0..3) of Q8_BLOCK floats. */
@inline export function q8Row(r: i32): usize {
  return Q8_SCRATCH + ((<usize>r) << 10);
}

/** Decodes `len` signed codes at `codes` (scale from the block's absmax) to float32 at `dst`. */
export function q8DecodeSigned(codes: usize, absmax: f32, dst: usize, len: i32): void {
  const scale = absmax / SIGNED_MAX;
  const vScale = f32x4.splat(scale);
  const end = len & ~7;
  let i = 0;
  for (; i < end; i += 8) {
    const c = v128.load8x8_s(codes + <usize>i);
    const sq = i16x8.mul(c, i16x8.abs(c));
    v128.store(dst + at(i), f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(sq)), vScale));
    v128.store(dst + at(i + 4), f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(sq)), vScale));
  }
  for (; i < len; i++) {
    const c = <i32>load<i8>(codes + <usize>i);
    store<f32>(dst + at(i), <f32>(c * abs(c)) * scale);
  }
}

/** Decodes `len` unsigned codes at `codes` to float32 at `dst`. */
export function q8DecodeUnsigned(codes: usize, absmax: f32, dst: usize, len: i32): void {
  const scale = absmax / UNSIGNED_MAX;
  const vScale = f32x4.splat(scale);
  const end = len & ~7;
  let i = 0;
  for (; i < end; i += 8) {
    const c = v128.load8x8_u(codes + <usize>i);
    const sq = i16x8.mul(c, c); // c² <= 65025 fits u16
    const q0 = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(sq));
    const q1 = f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(sq));
    v128.store(dst + at(i), f32x4.mul(f32x4.mul(q0, q0), vScale));
    v128.store(dst + at(i + 4), f32x4.mul(f32x4.mul(q1, q1), vScale));
  }
  for (; i < len; i++) {
    const c = <u32>load<u8>(codes + <usize>i);
    const q = <f32>(c * c);
    store<f32>(dst + at(i), q * q * scale);
  }
}

/** max |x| over `len` floats (NaN if any is NaN). */
function blockAbsMax(src: usize, len: i32): f32 {
  const end = simdEnd(len);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i < end; i += 4) acc = f32x4.max(acc, f32x4.abs(v128.load(src + at(i))));
  let m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (; i < len; i++) m = max(m, abs(load<f32>(src + at(i))));
  return m;
}

/**
 * The absmax a block is stored with: 0 below Q8_MIN_ABSMAX, NaN when the block holds NaN or ±Inf.
 * Both get all codes 0 (the encoders use inv = 0 or NaN, and trunc_sat(NaN) = 0), so a tiny block
 * decodes as zeros and a non-finite one as NaN everywhere.
 */
function blockScale(src: usize, len: i32): f32 {
  const m = blockAbsMax(src, len);
  if (m < Q8_MIN_ABSMAX) return 0;
  return m - m == 0 ? m : NaN;
}

/** Random bits of 8-bit slot number `k` of a kernel (0, 1, 2): the step's seed, varied per slot. */
@inline export function q8Seed(seed: u32, k: u32): u32 {
  return seed ^ (k * 0x9e3779b9);
}

/** A uniform f32x4 in [0, 1) from 24 of 32 random bits per lane. */
@inline function uniform(r: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(r, 8)), f32x4.splat(5.9604644775390625e-8));
}

@inline function uniform1(r: u32): f32 {
  return <f32>(r >>> 8) * 5.9604644775390625e-8;
}

@inline function encodeSignedLoop(src: usize, codes: usize, len: i32, inv: f32, stochastic: bool, seed: u32, index: i32): void {
  const vInv = f32x4.splat(inv);
  const sign = i32x4.splat(0x80000000);
  const low = f32x4.splat(LOW_SIGNED);
  const vSeed = i32x4.splat(seed);
  let lanes = i32x4.add(i32x4.splat(index), i32x4(0, 1, 2, 3));
  const end = len & ~7;
  let i = 0;
  for (; i < end; i += 8) {
    const x0 = v128.load(src + at(i));
    const x1 = v128.load(src + at(i + 4));
    const s0 = f32x4.sqrt(f32x4.mul(f32x4.abs(x0), vInv));
    const s1 = f32x4.sqrt(f32x4.mul(f32x4.abs(x1), vInv));
    let m0: v128;
    let m1: v128;
    if (stochastic) {
      const u0 = uniform(hash32x4(lanes, vSeed));
      const u1 = uniform(hash32x4(i32x4.add(lanes, i32x4.splat(4)), vSeed));
      lanes = i32x4.add(lanes, i32x4.splat(8));
      const top = f32x4.splat(127); // floor(s + u) may reach 128 (-128 is not a code)
      m0 = v128.bitselect(f32x4.floor(f32x4.add(s0, f32x4.splat(SLACK))), f32x4.min(f32x4.floor(f32x4.add(s0, u0)), top), f32x4.lt(s0, low));
      m1 = v128.bitselect(f32x4.floor(f32x4.add(s1, f32x4.splat(SLACK))), f32x4.min(f32x4.floor(f32x4.add(s1, u1)), top), f32x4.lt(s1, low));
    } else {
      m0 = signedRound(s0);
      m1 = signedRound(s1);
    }
    const r0 = v128.or(m0, v128.and(x0, sign));
    const r1 = v128.or(m1, v128.and(x1, sign));
    const c16 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(r0), i32x4.trunc_sat_f32x4_s(r1));
    v128.store64_lane(codes + <usize>i, i8x16.narrow_i16x8_s(c16, c16), 0);
  }
  for (; i < len; i++) {
    const x = load<f32>(src + at(i));
    const s = Mathf.sqrt(abs(x) * inv);
    let m = signedRound1(s);
    if (stochastic && !(s < LOW_SIGNED)) m = Mathf.floor(s + uniform1(hash32(<u32>(index + i), seed)));
    const r = copysign<f32>(min<f32>(m, 127), x); // NaN or in [-127, 127]
    store<i8>(codes + <usize>i, r != r ? 0 : <i8>r);
  }
}

@inline function encodeUnsignedLoop(src: usize, codes: usize, len: i32, inv: f32, positive: bool, stochastic: bool, seed: u32, index: i32): void {
  const vInv = f32x4.splat(inv);
  const zero = f32x4.splat(0);
  const one = i32x4.splat(1);
  const low = f32x4.splat(LOW_UNSIGNED);
  const vSeed = i32x4.splat(seed);
  let lanes = i32x4.add(i32x4.splat(index), i32x4(0, 1, 2, 3));
  const end = len & ~7;
  let i = 0;
  for (; i < end; i += 8) {
    const x0 = v128.load(src + at(i));
    const x1 = v128.load(src + at(i + 4));
    const s0 = f32x4.sqrt(f32x4.sqrt(f32x4.mul(x0, vInv)));
    const s1 = f32x4.sqrt(f32x4.sqrt(f32x4.mul(x1, vInv)));
    let r0: v128;
    let r1: v128;
    if (stochastic) {
      const u0 = uniform(hash32x4(lanes, vSeed));
      const u1 = uniform(hash32x4(i32x4.add(lanes, i32x4.splat(4)), vSeed));
      lanes = i32x4.add(lanes, i32x4.splat(8));
      r0 = v128.bitselect(f32x4.ceil(f32x4.sub(s0, f32x4.splat(SLACK))), f32x4.floor(f32x4.add(s0, u0)), f32x4.lt(s0, low));
      r1 = v128.bitselect(f32x4.ceil(f32x4.sub(s1, f32x4.splat(SLACK))), f32x4.floor(f32x4.add(s1, u1)), f32x4.lt(s1, low));
    } else {
      r0 = unsignedRound(s0);
      r1 = unsignedRound(s1);
    }
    let c0 = i32x4.trunc_sat_f32x4_u(r0);
    let c1 = i32x4.trunc_sat_f32x4_u(r1);
    if (positive) {
      c0 = i32x4.max_u(c0, v128.and(f32x4.gt(x0, zero), one));
      c1 = i32x4.max_u(c1, v128.and(f32x4.gt(x1, zero), one));
    }
    const c16 = i16x8.narrow_i32x4_u(c0, c1);
    v128.store64_lane(codes + <usize>i, i8x16.narrow_i16x8_u(c16, c16), 0);
  }
  for (; i < len; i++) {
    const x = load<f32>(src + at(i));
    const s = Mathf.sqrt(Mathf.sqrt(x * inv));
    let r = unsignedRound1(s);
    if (stochastic && !(s < LOW_UNSIGNED)) r = Mathf.floor(s + uniform1(hash32(<u32>(index + i), seed)));
    r = min<f32>(r, 255); // NaN or in [0, 255]
    let c: u8 = r != r ? 0 : <u8>r;
    if (positive && x > 0 && c == 0) c = 1;
    store<u8>(codes + <usize>i, c);
  }
}

/**
 * Encodes `len` floats at `src` as signed codes at `codes`; writes the block's absmax at `absmaxPtr`.
 * `stochastic`: above the bottom codes, c = floor(s + u) with u uniform from hash32(index + i, seed)
 * (unbiased in the square-root domain) instead of the nearest code.
 */
export function q8EncodeSigned(src: usize, codes: usize, absmaxPtr: usize, len: i32, stochastic: bool, seed: u32, index: i32): void {
  const absmax = blockScale(src, len);
  store<f32>(absmaxPtr, absmax);
  const inv: f32 = absmax == 0 ? 0 : SIGNED_MAX / absmax;
  if (stochastic) encodeSignedLoop(src, codes, len, inv, true, seed, index);
  else encodeSignedLoop(src, codes, len, inv, false, seed, index);
}

/** Encodes `len` non-negative floats at `src` as unsigned codes (positive values never to 0); `stochastic` as q8EncodeSigned. */
export function q8EncodeUnsigned(src: usize, codes: usize, absmaxPtr: usize, len: i32, stochastic: bool, seed: u32, index: i32): void {
  const absmax = blockScale(src, len);
  store<f32>(absmaxPtr, absmax);
  const inv: f32 = absmax == 0 ? 0 : UNSIGNED_MAX / absmax;
  const positive = absmax > 0;
  if (stochastic) {
    if (positive) encodeUnsignedLoop(src, codes, len, inv, true, true, seed, index);
    else encodeUnsignedLoop(src, codes, len, inv, false, true, seed, index);
  } else if (positive) {
    encodeUnsignedLoop(src, codes, len, inv, true, false, seed, index);
  } else {
    encodeUnsignedLoop(src, codes, len, inv, false, false, seed, index);
  }
}
