// The low-precision codecs: bfloat16 rounding (nearest-even incl. ties, NaN, Inf, subnormals,
// stochastic) and the 8-bit block maps (round trips, error bounds, the no-zero rule for second
// moments), in TypeScript against an independent reference and in the kernels against TypeScript.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, Optimizer, RULES } from '../../src/index';
import {
  bf16FromFloat, bf16Stochastic, bf16ToFloat, decodeQ8, decodeQ8Value, encodeQ8, hash32, q8Seed, Q8_MIN_ABSMAX,
} from '../../src/lowp/codec';
import { roundingSeed } from '../../src/lowp/precision';
import { rng } from '../helpers';

beforeAll(() => init());

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number): number => {
  u32[0] = b >>> 0;
  return f32[0];
};

/** Nearest-even bfloat16 of a float32 pattern by value comparison (independent of the bit trick). */
function referenceBf16(bits: number): number {
  const x = fromBits(bits);
  const lo = bits >>> 16; // toward zero in magnitude
  const hi = lo + 1; // away from zero
  const vlo = bf16ToFloat(lo);
  const vhiRaw = bf16ToFloat(hi & 0xffff);
  // Past the largest finite bfloat16 the next value "would be" 2^128 (IEEE overflow rounding).
  const vhi = Number.isFinite(vhiRaw) ? vhiRaw : Math.sign(x) * 2 ** 128;
  const dlo = Math.abs(x - vlo);
  const dhi = Math.abs(vhi - x);
  if (dlo < dhi) return lo;
  if (dhi < dlo) return hi & 0xffff;
  return (lo & 1) === 0 ? lo : hi & 0xffff;
}

describe('bfloat16 rounding in TypeScript', () => {
  const cases: [string, number, number][] = [
    ['exact', 0x3f800000, 0x3f80],
    ['below half', 0x3f807fff, 0x3f80],
    ['tie to even (down)', 0x3f808000, 0x3f80],
    ['tie to even (up)', 0x3f818000, 0x3f82],
    ['above half', 0x3f808001, 0x3f81],
    ['negative tie to even', 0xbf818000, 0xbf82],
    ['carry into the exponent', 0x3fffffff, 0x4000],
    ['largest finite rounds to Inf', 0x7f7fffff, 0x7f80],
    ['+Inf', 0x7f800000, 0x7f80],
    ['-Inf', 0xff800000, 0xff80],
    ['+0', 0x00000000, 0x0000],
    ['-0', 0x80000000, 0x8000],
    ['subnormal tie to even (0)', 0x00008000, 0x0000],
    ['subnormal tie to even (up)', 0x00018000, 0x0002],
    ['subnormal above half', 0x00008001, 0x0001],
    ['largest subnormal rounds to the smallest normal', 0x007fffff, 0x0080],
  ];
  test.each(cases)('%s', (_label, bits, expected) => {
    expect(bf16FromFloat(fromBits(bits))).toBe(expected);
    expect(referenceBf16(bits)).toBe(expected);
  });

  test('NaN stays NaN, whatever its payload and sign', () => {
    for (const bits of [0x7fc00000, 0x7f800001, 0x7fffffff, 0xffffffff, 0xffc00000, 0x7f808000]) {
      expect(Number.isNaN(bf16ToFloat(bf16FromFloat(fromBits(bits))))).toBe(true);
    }
  });

  test('200k random float32 patterns match the value-comparison reference', () => {
    const rand = rng(3);
    for (let k = 0; k < 200_000; k++) {
      const bits = Math.floor(rand() * 2 ** 32) >>> 0;
      if (Number.isNaN(fromBits(bits))) continue;
      const got = bf16FromFloat(fromBits(bits));
      if (got !== referenceBf16(bits)) throw new Error(`bits 0x${bits.toString(16)}: ${got} vs ${referenceBf16(bits)}`);
    }
  });

  test('stochastic rounding is unbiased: the mean of many roundings approaches the value', () => {
    const rand = rng(5);
    for (const x of [1 + 2 ** -10, 0.1, -3.3e-5, 7.77e20]) {
      let sum = 0;
      const n = 20_000;
      for (let k = 0; k < n; k++) sum += bf16ToFloat(bf16Stochastic(x, Math.floor(rand() * 65536)));
      const ulp = Math.abs(bf16ToFloat(bf16FromFloat(x) + 1) - bf16ToFloat(bf16FromFloat(x)));
      expect(Math.abs(sum / n - Math.fround(x))).toBeLessThan(ulp * 0.02);
    }
  });
});

/** One Adam step from zero state with betas (0, 0): exp_avg = g and exp_avg_sq = g² exactly (float32). */
function oneStep(precision: 'bfloat16' | 'int8', grads: Float32Array, extra: Record<string, unknown> = {}, align?: number) {
  const opt = new Optimizer(
    RULES.adam, { w: [grads.length] },
    { lr: 0, betas: [0, 0], statePrecision: precision, int8MinElements: 0, ...extra },
    align ? { alignElements: align } : {},
  );
  opt.nonFinite = 'ignore';
  opt.grad('w').set(grads);
  opt.step();
  return opt;
}

/** Float32 values covering ties, NaN payloads, ±Inf, subnormals, ±0 and random patterns. */
function awkwardFloats(n: number, seed: number): Float32Array {
  const special = [
    0x3f808000, 0x3f818000, 0xbf818000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x00008000, 0x00018000, 0x007fffff,
    0x00000001, 0x80000000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x3fffffff, 0x3f807fff, 0x3f808001,
  ];
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  const rand = rng(seed);
  for (let i = 0; i < n; i++) bits[i] = i < special.length ? special[i] : Math.floor(rand() * 2 ** 32) >>> 0;
  return out;
}

describe('bfloat16 narrowing in the kernels equals the TypeScript codec', () => {
  test.each([1, 3, 8, 17, 1031])('nearest-even, %i elements packed (SIMD loop and scalar tail)', (n) => {
    const g = awkwardFloats(n, n);
    const opt = oneStep('bfloat16', g, {}, 1);
    const m = opt.stateRaw('w', 'exp_avg') as Uint16Array;
    const v = opt.stateRaw('w', 'exp_avg_sq') as Uint16Array;
    for (let i = 0; i < n; i++) {
      const mExpected = bf16FromFloat(Math.fround(Math.fround(g[i] - 0) + 0));
      const vExpected = bf16FromFloat(Math.fround(g[i] * g[i]));
      for (const [got, want, what] of [[m[i], mExpected, 'exp_avg'], [v[i], vExpected, 'exp_avg_sq']] as const) {
        if (Number.isNaN(bf16ToFloat(want))) expect(Number.isNaN(bf16ToFloat(got)), `${what}[${i}]`).toBe(true);
        else expect(got, `${what}[${i}] for 0x${new Uint32Array(g.buffer)[i].toString(16)}`).toBe(want);
      }
    }
  });

  test.each([5, 1031])('stochastic, %i elements: the same random bits as hash32(i, seed)', (n) => {
    const g = awkwardFloats(n, 11);
    const opt = oneStep('bfloat16', g, { stateRounding: 'stochastic' }, 1);
    const seed = roundingSeed(0, 1);
    const m = opt.stateRaw('w', 'exp_avg') as Uint16Array;
    const v = opt.stateRaw('w', 'exp_avg_sq') as Uint16Array;
    for (let i = 0; i < n; i++) {
      const r = hash32(i, seed);
      const mExpected = bf16Stochastic(Math.fround(Math.fround(g[i] - 0) + 0), r & 0xffff);
      const vExpected = bf16Stochastic(Math.fround(g[i] * g[i]), r >>> 16);
      if (Number.isNaN(g[i])) {
        expect(Number.isNaN(bf16ToFloat(m[i]))).toBe(true);
        continue;
      }
      expect(m[i]).toBe(mExpected);
      if (!Number.isNaN(bf16ToFloat(vExpected))) expect(v[i]).toBe(vExpected);
    }
  });
});

describe('8-bit block maps', () => {
  test('every code survives decode -> encode unchanged (signed and unsigned)', () => {
    const signed = new Int8Array(256).map((_, i) => (i % 255) - 127);
    const unsigned = new Uint8Array(256).map((_, i) => i);
    for (const codes of [signed, unsigned]) {
      for (const absmax of [1, 3.7e-3, 6.5e4, 1e-20]) {
        const values = new Float32Array(256);
        decodeQ8(codes, [absmax], values);
        const again = codes instanceof Int8Array ? new Int8Array(256) : new Uint8Array(256);
        const scale = new Float32Array(1);
        encodeQ8(values, again, scale);
        expect([...again]).toEqual([...codes]);
        expect(Math.abs(scale[0] - absmax) / absmax).toBeLessThan(2e-7);
      }
    }
  });

  test('error bounds: half a code in the square-root (signed) / fourth-root (unsigned) domain, one code (one-sided) at the bottom', () => {
    const rand = rng(9);
    for (let trial = 0; trial < 20; trial++) {
      const scale = 10 ** (rand() * 12 - 8);
      const x = Float32Array.from({ length: 1000 }, () => (rand() - 0.5) * scale * 10 ** (-rand() * 3));
      const sq = x.map((t) => t * t);
      for (const [values, codes] of [[x, new Int8Array(1000)], [sq, new Uint8Array(1000)]] as const) {
        const absmax = new Float32Array(4);
        encodeQ8(values, codes, absmax);
        const back = new Float32Array(1000);
        decodeQ8(codes, absmax, back);
        const signed = codes instanceof Int8Array;
        for (let i = 0; i < 1000; i++) {
          const a = absmax[Math.floor(i / 256)];
          const root = signed ? 0.5 : 0.25;
          const [q, steps] = [Math.abs(values[i]) / a, signed ? 127 : 255];
          const s = q ** root * steps; // the value in code units
          const d = Math.abs(back[i] / a) ** root * steps;
          const label = `${signed ? 'signed' : 'unsigned'} [${i}]`;
          if (signed && s < 2) expect(s - d, label).toBeGreaterThan(-1 / 64 - 1e-4); // toward zero
          if (signed && s < 2) expect(s - d, label).toBeLessThan(1 + 1e-4);
          else if (!signed && s < 4) {
            expect(d - s, label).toBeGreaterThan(-1 / 64 - 1e-4); // up
            expect(d - s, label).toBeLessThan(1 + 1e-4);
          } else expect(Math.abs(s - d), label).toBeLessThan(0.5 + 1e-4);
          if (signed && back[i] !== 0) expect(Math.sign(back[i])).toBe(Math.sign(values[i]));
        }
      }
    }
  });

  test('stochastic codes are unbiased in the code domain and stay within one code', () => {
    const x = Float32Array.from({ length: 256 }, (_, i) => (i === 0 ? 1 : 0.3 + i / 1000));
    const absmax = new Float32Array(1);
    const nearest = new Uint8Array(256);
    encodeQ8(x, nearest, absmax);
    const sum = new Float64Array(256);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const codes = new Uint8Array(256);
      encodeQ8(x, codes, absmax, { seed: hash32(t, 99) });
      for (let i = 0; i < 256; i++) {
        expect(Math.abs(codes[i] - nearest[i])).toBeLessThanOrEqual(1);
        sum[i] += codes[i];
      }
    }
    for (let i = 1; i < 256; i++) {
      const s = Math.sqrt(Math.sqrt(x[i] / absmax[0])) * 255; // the code-domain value
      expect(Math.abs(sum[i] / trials - s), `[${i}]`).toBeLessThan(0.03);
    }
  });

  test('a positive second moment never decodes to 0 (the m/eps blow-up), however small in its block', () => {
    const v = new Float32Array(256).fill(1e-30);
    v[0] = 1; // sets the block's absmax
    const codes = new Uint8Array(256);
    const absmax = new Float32Array(1);
    encodeQ8(v, codes, absmax);
    expect(Math.min(...codes)).toBe(1);
    expect(decodeQ8Value(1, absmax[0], false)).toBeGreaterThan(0);
  });

  test('tiny blocks are stored as zeros; blocks with NaN or Inf decode as NaN', () => {
    const codes = new Int8Array(512);
    const absmax = new Float32Array(2);
    const x = new Float32Array(512).fill(Q8_MIN_ABSMAX / 4);
    x[300] = Infinity;
    encodeQ8(x, codes, absmax);
    expect(absmax[0]).toBe(0);
    expect([...codes.subarray(0, 256)].every((c) => c === 0)).toBe(true);
    expect(Number.isNaN(absmax[1])).toBe(true);
    const back = new Float32Array(512);
    decodeQ8(codes, absmax, back);
    expect(back.subarray(0, 256).every((t) => t === 0)).toBe(true);
    expect(back.subarray(256).every((t) => Number.isNaN(t))).toBe(true);
  });

  test.each([
    [256, false], [4096, false], [777, false], [4096, true], [777, true],
  ])('the int8 kernel encodes exactly as the TypeScript codec (%i elements, stochastic %s)', (n, stochastic) => {
    const rand = rng(n);
    const g = Float32Array.from({ length: n }, () => (rand() - 0.5) * 10 ** (rand() * 6 - 3));
    g[3] = 0;
    g[4] = -0;
    const opt = oneStep('int8', g, stochastic ? { stateRounding: 'stochastic' } : {});
    const seed = roundingSeed(0, 1);
    const blocks = Math.ceil(n / 256);
    const m = new Int8Array(n);
    const mAbs = new Float32Array(blocks);
    encodeQ8(g, m, mAbs, stochastic ? { seed: q8Seed(seed, 0) } : undefined);
    const v = new Uint8Array(n);
    const vAbs = new Float32Array(blocks);
    encodeQ8(g.map((t) => t * t), v, vAbs, stochastic ? { seed: q8Seed(seed, 1) } : undefined);
    expect([...(opt.stateRaw('w', 'exp_avg') as Int8Array)]).toEqual([...m]);
    expect([...(opt.stateRaw('w', 'exp_avg.absmax') as Float32Array)]).toEqual([...mAbs]);
    expect([...(opt.stateRaw('w', 'exp_avg_sq') as Uint8Array)]).toEqual([...v]);
    expect([...(opt.stateRaw('w', 'exp_avg_sq.absmax') as Float32Array)]).toEqual([...vAbs]);
    // state() decodes with the same map.
    const back = new Float32Array(n);
    decodeQ8(m, mAbs, back);
    expect([...opt.state('w', 'exp_avg')]).toEqual([...back]);
  });
});
