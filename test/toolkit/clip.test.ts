// Gradient clipping: the wasm norm against a float64 reference and a plain-JS float32 norm on odd
// sizes, packed and aligned arenas; scaling, value clamping, padding, non-finite gradients.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, NonFiniteGradientError, Optimizer } from '../../src/index';
import { sgdSpec } from '../../src/rules/sgd';
import { clipGradNorm, clipGradValue, gradNorm } from '../../src/toolkit/clip';
import { ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

function makeOpt(groups: readonly (readonly number[])[], alignElements?: number, seed = 3, scale = 1) {
  const rand = rng(seed);
  const opt = new Optimizer(
    sgdSpec,
    groups.map((sizes, g) => ({ params: Object.fromEntries(sizes.map((n, i) => [`g${g}t${i}`, [n]])) })),
    { lr: 0.1 },
    alignElements ? { alignElements } : {},
  );
  for (const name of opt.tensorNames) opt.grad(name).set(randomArray(opt.grad(name).length, rand, scale));
  return opt;
}

const allGrads = (opt: Optimizer<object>): number[] => opt.tensorNames.flatMap((n) => [...opt.grad(n)]);

/** Σ x² in float64, then sqrt: the reference. */
const refNorm2 = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
/** What a naive JS loop over float32 would compute (float32 accumulation). */
const f32Norm2 = (xs: number[]): number => {
  let s = 0;
  for (const x of xs) s = Math.fround(s + Math.fround(x * x));
  return Math.sqrt(s);
};

describe('gradNorm (L2) vs float64 reference and a plain-JS float32 norm', () => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed', (n) => {
    const opt = makeOpt([[n]], 1);
    const xs = allGrads(opt);
    const norm = gradNorm(opt);
    expect(Math.abs(norm - refNorm2(xs))).toBeLessThanOrEqual(1e-14 * refNorm2(xs));
    expect(Math.abs(norm - f32Norm2(xs))).toBeLessThanOrEqual(1e-5 * refNorm2(xs) + 1e-30);
  });
  test('odd mix over two groups, aligned (padding) and packed', () => {
    for (const align of [undefined, 1]) {
      const opt = makeOpt([[...ODD_SIZES], [7, 2, 33]], align);
      const xs = allGrads(opt);
      expect(gradNorm(opt)).toBeCloseTo(refNorm2(xs), 10);
    }
  });
  test('float32 values near the maximum do not overflow (float64 accumulation)', () => {
    const opt = makeOpt([[5]], 1);
    opt.grad('g0t0').fill(3e38);
    expect(gradNorm(opt) / (Math.sqrt(5) * Math.fround(3e38))).toBeCloseTo(1, 14);
    expect(f32Norm2(allGrads(opt))).toBe(Infinity);
  });
  test('other norms: ∞, 1, 3', () => {
    const opt = makeOpt([[17, 4097], [3]]);
    const xs = allGrads(opt);
    expect(gradNorm(opt, Infinity)).toBe(Math.max(...xs.map(Math.abs)));
    expect(gradNorm(opt, 1)).toBeCloseTo(xs.reduce((s, x) => s + Math.abs(x), 0), 8);
    expect(gradNorm(opt, 3) / Math.cbrt(xs.reduce((s, x) => s + Math.abs(x) ** 3, 0))).toBeCloseTo(1, 13);
  });
});

describe('clipGradNorm', () => {
  test.each([1, 3, 5, 1023, 4097])('scales %i elements by maxNorm / (norm + 1e-6) in float32', (n) => {
    const opt = makeOpt([[n], [n + 2]], 1, 9, 10);
    const before = allGrads(opt);
    const total = clipGradNorm(opt, 1);
    expect(total).toBeCloseTo(refNorm2(before), 9);
    const coef = Math.fround(1 / (total + 1e-6));
    expect(allGrads(opt)).toEqual(before.map((x) => Math.fround(x * coef)));
    expect(gradNorm(opt)).toBeCloseTo(1, 5);
  });
  test('leaves gradients alone when the norm is below maxNorm; padding stays zero', () => {
    const opt = makeOpt([[5, 3], [17]]);
    const before = allGrads(opt);
    const total = clipGradNorm(opt, 1e6);
    expect(total).toBeCloseTo(refNorm2(before), 10);
    expect(allGrads(opt)).toEqual(before);
    clipGradNorm(opt, 0.1);
    for (let g = 0; g < 2; g++) {
      const padding = opt.slotView(g, 'grad').slice();
      for (const t of opt.layout.groups[g].tensors) padding.fill(0, t.offset, t.offset + t.size);
      expect(padding.every((x) => x === 0)).toBe(true);
    }
  });
  test('∞-norm clipping', () => {
    const opt = makeOpt([[33]], 1);
    const total = clipGradNorm(opt, 0.5, { normType: Infinity });
    expect(total).toBeGreaterThan(0.5);
    expect(gradNorm(opt, Infinity)).toBeCloseTo(0.5, 5);
  });
  test('non-finite norm: errorIfNonfinite throws and changes nothing; otherwise scales like torch', () => {
    const opt = makeOpt([[9]], 1);
    opt.grad('g0t0')[4] = NaN;
    const before = allGrads(opt);
    expect(() => clipGradNorm(opt, 1, { errorIfNonfinite: true })).toThrow(NonFiniteGradientError);
    expect(allGrads(opt)).toEqual(before);
    expect(clipGradNorm(opt, 1)).toBeNaN();
    expect(allGrads(opt).every(Number.isNaN)).toBe(true);
    const inf = makeOpt([[9]], 1);
    inf.grad('g0t0')[2] = Infinity;
    expect(clipGradNorm(inf, 1)).toBe(Infinity); // factor 0: finite entries become 0, the infinite one NaN
    expect(allGrads(inf).filter((x) => x === 0).length).toBe(8);
  });
  test('bad input', () => {
    const opt = makeOpt([[3]]);
    expect(() => clipGradNorm(opt, -1)).toThrow(InvalidOptionError);
    expect(() => clipGradNorm(opt, 1, { normType: 0 })).toThrow(/normType/);
    expect(() => clipGradNorm(opt, 1, { norm_type: 2 } as never)).toThrow(/Unknown option 'norm_type'/);
    expect(() => clipGradValue(opt, NaN)).toThrow(/clipValue/);
  });
});

describe('clipGradValue', () => {
  test.each(ODD_SIZES)('clamps %i elements to [−v, v]; NaN stays NaN', (n) => {
    const opt = makeOpt([[n], [3]], 1, 5, 2);
    if (n > 2) opt.grad('g0t0')[n - 2] = NaN;
    const before = allGrads(opt);
    clipGradValue(opt, 0.75);
    const v = Math.fround(0.75);
    expect(allGrads(opt)).toEqual(before.map((x) => (Number.isNaN(x) ? NaN : Math.min(Math.max(x, -v), v))));
  });
});
