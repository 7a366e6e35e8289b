// Gradient accumulation: k micro-batches of size b ≡ one batch of size k·b, hooks, weights, errors.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, init, InvalidOptionError, SGD, TensorError } from '../../src/index';
import { GradAccumulator } from '../../src/toolkit/accumulate';
import { clipGradNorm } from '../../src/toolkit/clip';
import { expectAllClose, gaussian, rng } from '../helpers';

beforeAll(() => init());

// Linear least squares: loss(w, b; batch) = mean_i (x_i·w + b − y_i)², gradients in float64.
const D = 7;
const N = 48;
const rand = rng(21);
const normal = gaussian(rand);
const X = Array.from({ length: N }, () => Array.from({ length: D }, normal));
const Y = X.map((x) => x.reduce((s, v, j) => s + v * (j - 3), 0.5) + 0.1 * normal());

function batchGrad(w: Float32Array, b: Float32Array, rows: readonly number[]): { w: Float64Array; b: Float64Array } {
  const gw = new Float64Array(D);
  const gb = new Float64Array(1);
  for (const i of rows) {
    const r = X[i].reduce((s, v, j) => s + v * w[j], b[0]) - Y[i];
    for (let j = 0; j < D; j++) gw[j] += (2 * r * X[i][j]) / rows.length;
    gb[0] += (2 * r) / rows.length;
  }
  return { w: gw, b: gb };
}

const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

describe('GradAccumulator', () => {
  test.each([
    ['SGD', 4, 3],
    ['Adam', 3, 4],
    ['Adam', 1, 12],
  ] as const)('%s: %i micro-batches of %i ≡ one batch of their size', (rule, k, b) => {
    const make = () => (rule === 'SGD' ? new SGD({ w: [D], b: [1] }, { lr: 0.05, momentum: 0.9 }) : new Adam({ w: [D], b: [1] }, { lr: 0.05 }));
    const big = make();
    const small = make();
    const acc = new GradAccumulator(small, { steps: k });
    const batch = k * b;
    for (let step = 0; step < 8; step++) {
      const start = (step * batch) % N;
      const g = batchGrad(big.param('w'), big.param('b'), range(start, batch));
      big.setGrad('w', g.w);
      big.setGrad('b', g.b);
      big.step();
      big.zeroGrad();
      for (let j = 0; j < k; j++) {
        const gm = batchGrad(small.param('w'), small.param('b'), range(start + j * b, b));
        expect(acc.microBatch({ w: gm.w, b: gm.b })).toBe(j === k - 1);
      }
      expectAllClose(small.param('w'), big.param('w'), 2e-5, 1e-6, `step ${step} w`);
      expectAllClose(small.param('b'), big.param('b'), 2e-5, 1e-6, `step ${step} b`);
      expect(small.grad('w').every((x) => x === 0)).toBe(true);
    }
  });

  test("'sum' adds as is; explicit weights for unequal micro-batches; hooks run around the step", () => {
    const opt = new SGD({ w: [2] }, { lr: 1 });
    const calls: string[] = [];
    const acc = new GradAccumulator(opt, {
      steps: 2,
      reduction: 'sum',
      beforeStep: () => {
        calls.push(`before ${[...opt.grad('w')]}`);
        clipGradNorm(opt, 10);
      },
      afterStep: () => calls.push(`after ${[...opt.param('w')]}`),
    });
    acc.microBatch({ w: [1, 2] });
    expect([...opt.grad('w')]).toEqual([1, 2]);
    acc.microBatch({ w: [2, 2] });
    expect(calls).toEqual(['before 3,4', 'after -3,-4']);
    const mean = new GradAccumulator(opt, { steps: 2 });
    mean.add({ w: [1, 1] }, 0.25);
    mean.add({ w: [1, 1] }, 0.75);
    expect([...opt.grad('w')]).toEqual([1, 1]);
  });

  test('state round trip and bad input (nothing written on error)', () => {
    const opt = new SGD({ w: [2], v: [3] }, { lr: 1 });
    const acc = new GradAccumulator(opt, { steps: 3 });
    acc.microBatch({ w: [3, 3] });
    const other = new GradAccumulator(opt, { steps: 3 });
    other.loadStateDict(acc.stateDict());
    expect(other.count).toBe(1);
    expect(() => acc.add({ w: [1, 1], v: [1] })).toThrow(TensorError);
    expect([...opt.grad('w')]).toEqual([1, 1]);
    expect(() => acc.add({ u: [1] })).toThrow(/Unknown tensor 'u'/);
    expect(() => new GradAccumulator(opt, { steps: 0 })).toThrow(InvalidOptionError);
    expect(() => new GradAccumulator(opt, { reduction: 'avg' as never })).toThrow(/reduction must be one of/);
    expect(() => other.loadStateDict({ count: 3 })).toThrow(/count in \[0, 3\)/);
  });
});
