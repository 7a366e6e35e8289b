// Non-finite gradients, resource limits and stale buffers: never corrupt a model silently.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, SGD, init, ArenaTooLargeError, InvalidOptionError, NonFiniteGradientError, TensorError, Optimizer } from '../src/index';
import { adamSpec } from '../src/rules/adam';
import { randomArray, rng } from './helpers';

beforeAll(() => init());

const everything = (opt: Optimizer<object>) =>
  opt.layout.groups.flatMap((g, gi) => g.slots.map((s) => opt.slotView(gi, s).slice()));

describe('non-finite gradients', () => {
  const make = () => {
    const opt = new Adam([{ params: { w: [17], b: [3] } }, { params: { c: [5] }, lr: 0.1 }], { lr: 0.01 });
    const rand = rng(4);
    for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
    opt.step();
    for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
    return opt;
  };

  test.each([NaN, Infinity, -Infinity])("'error' (default) throws on %s, naming the tensor, and changes nothing", (bad) => {
    const opt = make();
    opt.grad('c')[4] = bad;
    const before = everything(opt);
    expect(() => opt.step()).toThrow(NonFiniteGradientError);
    expect(() => opt.step()).toThrow(new RegExp(`Gradient of tensor 'c' holds ${bad} at index 4; the step was not taken`));
    expect(everything(opt)).toEqual(before);
    expect(opt.stepCount(0)).toBe(1);
  });

  test("'skip' counts the step and changes nothing; the next finite step proceeds", () => {
    const opt = make();
    opt.nonFinite = 'skip';
    opt.grad('w')[0] = NaN;
    const before = everything(opt);
    opt.step();
    expect(everything(opt)).toEqual(before);
    expect(opt.skippedSteps).toBe(1);
    expect(opt.stepCount(0)).toBe(1);
    opt.grad('w')[0] = 0.5;
    opt.step();
    expect(opt.stepCount(0)).toBe(2);
    expect(opt.param('w').every(Number.isFinite)).toBe(true);
  });

  test("'ignore' runs the update as is, as torch does (NaN reaches the parameter)", () => {
    const opt = make();
    opt.nonFinite = 'ignore';
    opt.grad('b')[1] = NaN;
    opt.step();
    expect(Number.isNaN(opt.param('b')[1])).toBe(true);
    expect(Number.isFinite(opt.param('b')[0])).toBe(true);
  });

  test('the check sees every position, including the scalar tail of packed odd sizes', () => {
    for (const n of [1, 3, 5, 17, 33]) {
      for (let at = 0; at < n; at++) {
        const opt = new Optimizer(adamSpec, { w: [n] }, {}, { alignElements: 1 });
        opt.grad('w')[at] = Infinity;
        expect(() => opt.step(), `n=${n} at=${at}`).toThrow(NonFiniteGradientError);
      }
    }
  });

  test('an unknown policy is rejected before anything is written', () => {
    const opt = make();
    (opt as { nonFinite: string }).nonFinite = 'skipp';
    const before = everything(opt);
    expect(() => opt.step()).toThrow(InvalidOptionError);
    expect(() => opt.step()).toThrow(/Invalid nonFinite policy: 'skipp'/);
    expect(everything(opt)).toEqual(before);
  });
});

describe('resource limits', () => {
  test('an arena beyond wasm32 memory fails at construction, saying how large and what limit', () => {
    expect(() => new Adam({ w: [1 << 30] })).toThrow(ArenaTooLargeError);
    expect(() => new Adam({ w: [1 << 30] })).toThrow(/The arena needs 16384\.1 MiB, more than WebAssembly memory's limit of 4096\.0 MiB/);
  });
});

describe('stale buffers', () => {
  test('copy-in from a detached buffer is rejected with a clear message', () => {
    const opt = new SGD({ w: [4] });
    const data = new Float32Array(4);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(() => opt.setGrad('w', data)).toThrow(TensorError);
    expect(() => opt.setGrad('w', data)).toThrow(/detached ArrayBuffer/);
  });
});
