/**
 * The low-precision codecs in TypeScript, bit for bit the kernels' (assembly/lowp_common.ts): used
 * to read (`state()`), write (`setState`, `loadStateDict` from float32) and test low-precision slots.
 *
 * bfloat16: the upper 16 bits of a float32, rounded to nearest, ties to even. NaN stays NaN (its
 * upper half, with the quiet bit set); Inf stays Inf; values past the largest bfloat16 round to Inf.
 *
 * 8-bit, blocks of QUANT_BLOCK elements with one float32 absmax each (the block's largest |x|):
 *   int8  (signed values):       x = absmax · c·|c| / 127²    c in [-127, 127]
 *   uint8 (non-negative values): x = absmax · c⁴ / 255⁴       c in [0, 255]
 * Codes are evenly spaced in the square-root / fourth-root domain and a value takes the nearest,
 * except at the bottom of the maps, where one code is a large factor: signed values below code 2
 * round toward zero, unsigned values below code 4 round up (with a 1/64 slack), so the coarse bottom
 * codes do not inflate m/sqrt(v). Positive values never encode to 0 in the unsigned map. Blocks with absmax below Q8_MIN_ABSMAX are stored as zeros; blocks holding
 * NaN or ±Inf get absmax NaN and decode as NaN.
 */
import { QUANT_BLOCK } from '../layout';

const fround = Math.fround;
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The bfloat16 bit pattern nearest to `x` (after rounding x to float32), ties to even. */
export function bf16FromFloat(x: number): number {
  scratchF32[0] = x;
  const b = scratchU32[0];
  if (x !== x) return (b >>> 16) | 0x0040; // NaN: truncate, keep it quiet (and a NaN)
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The float value of a bfloat16 bit pattern. */
export function bf16ToFloat(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/** Rounds each value of `src` to bfloat16 into `dst`. */
export function encodeBf16(src: ArrayLike<number>, dst: Uint16Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = bf16FromFloat(src[i]);
}

/** Widens bfloat16 patterns to float32 (exact). */
export function decodeBf16(src: Uint16Array, dst: Float32Array): void {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
}

/** Blocks with a smaller absmax are stored as zeros (2^-90; keeps 255⁴/absmax finite in float32). */
export const Q8_MIN_ABSMAX = 2 ** -90;
const SIGNED_MAX = 16129; // 127²
const UNSIGNED_MAX = fround(255 ** 4); // 255⁴ as the float32 constant the kernels use

/** Round half to even (wasm's `nearest`). */
function nearest(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function blockAbsmax(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]));
  if (m < Q8_MIN_ABSMAX) return 0;
  return Number.isFinite(m) ? m : NaN;
}

/** Codes below these round conservatively (toward zero for int8, up for uint8), with this slack. */
const LOW_SIGNED = 2;
const LOW_UNSIGNED = 4;
const SLACK = 1 / 64;

/** The uniform [0, 1) of 32 random bits, as the kernels compute it (24 bits). */
const uniform = (bits: number): number => (bits >>> 8) * 2 ** -24;

/**
 * The signed code of `x` in a block with scale `inv` = 127²/absmax (0 for a zero block); with
 * `rand` (32 random bits), stochastic above the bottom codes: floor(s + u).
 */
export function signedCode(x: number, inv: number, rand?: number): number {
  const s = fround(Math.sqrt(fround(Math.abs(x) * inv)));
  let r = s < LOW_SIGNED ? Math.floor(fround(s + SLACK)) : nearest(s);
  if (rand !== undefined && !(s < LOW_SIGNED)) r = Math.min(Math.floor(fround(s + uniform(rand))), 127);
  if (r !== r) return 0;
  return x < 0 ? -r : r;
}

/** The unsigned code of `x` in a block with `inv` = 255⁴/absmax; `positive` blocks keep x > 0 off code 0. */
export function unsignedCode(x: number, inv: number, positive: boolean, rand?: number): number {
  const s = fround(Math.sqrt(fround(Math.sqrt(fround(x * inv)))));
  let r = s < LOW_UNSIGNED ? Math.ceil(fround(s - SLACK)) : nearest(s);
  if (rand !== undefined && !(s < LOW_UNSIGNED)) r = Math.min(Math.floor(fround(s + uniform(rand))), 255);
  const c = r !== r ? 0 : r;
  return positive && x > 0 && c === 0 ? 1 : c;
}

/** Stochastic codes as a kernel draws them: element i uses hash32(index + i, seed). */
export interface Q8Rounding {
  readonly seed: number;
  /** Slot index of src[0] (default 0). */
  readonly index?: number;
}

/**
 * Quantizes `src` block by block (blocks start at src[0]) into `codes` (Int8Array: signed map,
 * Uint8Array: unsigned map) and `absmax` (one per block). Values are rounded to float32 first.
 * Nearest codes, or stochastic ones with `rounding`.
 */
export function encodeQ8(src: ArrayLike<number>, codes: Int8Array | Uint8Array, absmax: Float32Array, rounding?: Q8Rounding): void {
  const n = codes.length;
  const x = src instanceof Float32Array && src.length === n ? src : Float32Array.from({ length: n }, (_, i) => src[i]);
  const signed = codes instanceof Int8Array;
  for (let b = 0; b * QUANT_BLOCK < n; b++) {
    const from = b * QUANT_BLOCK;
    const to = Math.min(n, from + QUANT_BLOCK);
    const a = blockAbsmax(x, from, to);
    absmax[b] = a;
    const inv = a === 0 ? 0 : fround((signed ? SIGNED_MAX : UNSIGNED_MAX) / a);
    for (let i = from; i < to; i++) {
      const rand = rounding ? hash32((rounding.index ?? 0) + i, rounding.seed) : undefined;
      codes[i] = signed ? signedCode(x[i], inv, rand) : unsignedCode(x[i], inv, a > 0, rand);
    }
  }
}

/** The float value of code `c` in a block with absmax `a`. */
export function decodeQ8Value(c: number, a: number, signed: boolean): number {
  if (signed) return fround(c * Math.abs(c) * fround(a / SIGNED_MAX));
  const q = c * c;
  return fround(fround(q * q) * fround(a / UNSIGNED_MAX));
}

/** Dequantizes `codes` (blocks start at codes[0]) into `dst`. */
export function decodeQ8(codes: Int8Array | Uint8Array, absmax: ArrayLike<number>, dst: Float32Array): void {
  const signed = codes instanceof Int8Array;
  for (let i = 0; i < codes.length; i++) dst[i] = decodeQ8Value(codes[i], absmax[Math.floor(i / QUANT_BLOCK)], signed);
}

/** The seed 8-bit slot number `k` of a kernel uses (assembly/lowp_common.ts q8Seed). */
export const q8Seed = (seed: number, k: number): number => (seed ^ Math.imul(k, 0x9e3779b9)) >>> 0;

/** Number of QUANT_BLOCK blocks covering n elements. */
export const blockCount = (n: number): number => Math.ceil(n / QUANT_BLOCK);

/**
 * The kernels' per-element random bits for stochastic rounding (assembly/lowp_common.ts hash32):
 * lowbias32 of (i + 1)·φ xor seed. Element i's exp_avg uses the low 16 bits, second moments the high 16.
 */
export function hash32(i: number, seed: number): number {
  let x = (Math.imul(i + 1, 0x9e3779b9) ^ seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** bfloat16 of `x` rounded stochastically with 16 random bits (NaN truncated, as bf16FromFloat keeps it). */
export function bf16Stochastic(x: number, rand16: number): number {
  scratchF32[0] = x;
  const b = scratchU32[0];
  if (x !== x) return (b >>> 16) | 0x0040;
  return ((b + (rand16 & 0xffff)) >>> 16) & 0xffff;
}
