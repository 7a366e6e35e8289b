/**
 * A small seeded random generator whose whole state can be saved and restored, so noisy training
 * and shuffled mini-batches resume bit for bit from a checkpoint.
 *
 * Uniform bits: xoshiro128** (Blackman & Vigna 2018), 128-bit state, period 2^128 − 1, seeded
 * through splitmix32 so that nearby seeds give unrelated streams. Normals: Box–Muller
 * z = sqrt(−2 ln u1) · cos(2π u2) with its sine partner kept for the next call; Math.log/cos are not
 * correctly rounded by the spec, so normals reproduce within one JS engine, uniforms everywhere.
 */
import { InvalidOptionError, StateDictError } from './errors';

export interface RandomState {
  /** The four 32-bit words of the xoshiro128** state. */
  readonly s: readonly [number, number, number, number];
  /** The cached second Box–Muller normal, or null. */
  readonly spare: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed`: any safe integer (both 32-bit halves are used). */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) throw new InvalidOptionError(`Invalid seed: ${String(seed)} (expected a safe integer)`);
    const hi = Math.floor(seed / 2 ** 32);
    const mix = splitmix32((seed >>> 0) ^ Math.imul(hi >>> 0, 0x27d4eb2d));
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new InvalidOptionError(`Random.int needs an integer 1 <= n <= 2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }

  /** A standard normal sample. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Adds σ·N(0, 1) to every element of `out` (float32 rounding on store). */
  addNormal(out: Float32Array, sigma: number): void {
    for (let i = 0; i < out.length; i++) out[i] += sigma * this.normal();
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  stateDict(): RandomState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  loadStateDict(state: RandomState): void {
    const s = state?.s as unknown;
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w >= 2 ** 32) || s.every((w) => w === 0)) {
      throw new StateDictError('Random state needs four 32-bit words, not all zero');
    }
    if (state.spare !== null && typeof state.spare !== 'number') throw new StateDictError('Random state: spare must be a number or null');
    [this.s0, this.s1, this.s2, this.s3] = (s as number[]).map((w) => w | 0);
    this.spare = state.spare;
  }
}
