// NAG (overview form, lr inside the velocity, stored as look-ahead parameters): the SIMD kernel
// against the float64 reference on odd sizes and mixes, hand-computed steps, the exact equivalence
// with the overview's look-ahead iteration (lr schedule and weight decay included), equality with
// torch's SGD(nesterov) at constant lr, padding, option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, NesterovMomentum, SGD } from '../../src/index';
import { nagSpec } from '../../src/rules/nag';
import { checkKernelAgainstReference, ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.05, momentum: 0.5, weightDecay: 0.1, maximize: true },
  { lr: 0.1, momentum: 0 },
];

describe.each(variants)('nag kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(nagSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(nagSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, momentum: 0.99 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(nagSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('nag by hand', () => {
  test('three steps: v = γv + ηg, φ −= γv + ηg', () => {
    const opt = new NesterovMomentum({ w: new Float32Array([1]) }, { lr: 0.1, momentum: 0.9 });
    const expected = [
      { v: 0.1, p: 0.81 },
      { v: 0.19, p: 0.539 },
      { v: -0.029, p: 0.7651 },
    ];
    [1, 1, -2].forEach((g, k) => {
      opt.grad('w')[0] = g;
      opt.step();
      expect(opt.state('w', 'velocity')[0]).toBeCloseTo(expected[k].v, 6);
      expect(opt.param('w')[0]).toBeCloseTo(expected[k].p, 6);
      // θ = φ + γv: 0.9, 0.71, 0.739 — the same θ as heavy-ball momentum would give on these numbers.
      expect(opt.lookaheadOrigin('w')[0]).toBeCloseTo(expected[k].p + 0.9 * expected[k].v, 6);
    });
  });

  test('is the overview\'s NAG exactly: φ_t = θ_t − γv_t with the gradient taken at θ − γv (lr schedule, weight decay)', () => {
    // J(x) = Σ a_i x_i² / 2 + b_i x_i, plus λ‖x‖²/2 through weightDecay.
    const n = 7;
    const rand = rng(11);
    const a = Array.from({ length: n }, () => 0.5 + 3 * rand());
    const b = Array.from(randomArray(n, rand));
    const gradJ = (x: ArrayLike<number>) => Array.from(x, (xi, i) => a[i] * xi + b[i]);
    const [gamma, wd] = [0.8, 0.05];
    const lrs = [0.1, 0.1, 0.1, 0.05, 0.05, 0.2, 0.02, 0.02, 0.1, 0.1];
    const theta0 = randomArray(n, rand);
    const opt = new NesterovMomentum({ w: Float32Array.from(theta0) }, { momentum: gamma, weightDecay: wd });
    // The overview's iteration, literally, in float64.
    let theta = Array.from(theta0);
    let v = new Array<number>(n).fill(0);
    for (const lr of lrs) {
      const ahead = theta.map((x, i) => x - gamma * v[i]);
      const g = gradJ(ahead).map((gi, i) => gi + wd * ahead[i]);
      v = v.map((x, i) => gamma * x + lr * g[i]);
      theta = theta.map((x, i) => x - v[i]);
      // The optimizer sees only the gradient at the parameters it holds.
      opt.paramGroups[0].lr = lr;
      opt.grad('w').set(gradJ(opt.param('w')));
      opt.step();
      expect(Array.from(opt.param('w'))).toEqual(theta.map((x, i) => expect.closeTo(x - gamma * v[i], 5)));
      expect(Array.from(opt.lookaheadOrigin('w'))).toEqual(theta.map((x) => expect.closeTo(x, 5)));
      expect(Array.from(opt.state('w', 'velocity'))).toEqual(v.map((x) => expect.closeTo(x, 5)));
    }
  });

  test('equals torch\'s SGD(nesterov) at constant lr; differs once lr changes', () => {
    const rand = rng(5);
    const init0 = randomArray(6, rand);
    const ours = new NesterovMomentum({ w: Float32Array.from(init0) }, { lr: 0.05, momentum: 0.9 });
    const torchForm = new SGD({ w: Float32Array.from(init0) }, { lr: 0.05, momentum: 0.9, nesterov: true });
    const grads = Array.from({ length: 6 }, () => randomArray(6, rand));
    for (let t = 0; t < 5; t++) {
      ours.grad('w').set(grads[t]);
      torchForm.grad('w').set(grads[t]);
      ours.step();
      torchForm.step();
      Array.from(ours.param('w')).forEach((x, i) => expect(x).toBeCloseTo(torchForm.param('w')[i], 5));
    }
    ours.paramGroups[0].lr = 0.5;
    torchForm.paramGroups[0].lr = 0.5;
    ours.grad('w').set(grads[5]);
    torchForm.grad('w').set(grads[5]);
    ours.step();
    torchForm.step();
    expect(Math.max(...Array.from(ours.param('w'), (x, i) => Math.abs(x - torchForm.param('w')[i])))).toBeGreaterThan(1e-2);
  });

  test('lookaheadOrigin uses the momentum of the tensor\'s group', () => {
    const opt = new NesterovMomentum([{ params: { a: [2] } }, { params: { c: [2] }, momentum: 0.5 }], { lr: 0.1 });
    opt.grad('a').fill(1);
    opt.grad('c').fill(1);
    opt.step();
    // v = 0.1; φ = −(γ·0.1 + 0.1); θ = φ + γv = −0.1 for both groups.
    expect(opt.param('a')[0]).toBeCloseTo(-0.19, 6);
    expect(opt.param('c')[0]).toBeCloseTo(-0.15, 6);
    expect(Array.from(opt.lookaheadOrigin('a'))).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(-0.1, 6)]);
    expect(Array.from(opt.lookaheadOrigin('c'))).toEqual([expect.closeTo(-0.1, 6), expect.closeTo(-0.1, 6)]);
    expect(() => opt.lookaheadOrigin('z')).toThrow(/Unknown tensor 'z'/);
  });

  test('padding stays zero in every slot', () => {
    const opt = new NesterovMomentum({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 4; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5);
      opt.step();
    }
    const { tensors, slots } = opt.layout.groups[0];
    for (const slot of slots) {
      const view = opt.slotView(0, slot);
      for (let i = 0; i < view.length; i++) {
        if (tensors.some((t) => i >= t.offset && i < t.offset + t.size)) continue;
        expect(view[i]).toBe(0);
      }
    }
  });
});

describe('nag options', () => {
  test('defaults', () => {
    expect(nagSpec.defaults).toEqual({ lr: 1e-2, momentum: 0.9, weightDecay: 0, maximize: false });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ momentum: -0.5 }, 'Invalid momentum value: -0.5'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ maximize: 1 }, 'Invalid maximize: 1 (expected true or false)'],
    [{ weight_decay: 0.1 }, "Unknown option 'weight_decay' for nag; did you mean 'weightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new NesterovMomentum({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
