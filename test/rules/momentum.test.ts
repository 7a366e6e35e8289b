// Momentum (overview form, lr inside the velocity): the SIMD kernel against the float64 reference on
// odd sizes and mixes, hand-computed steps, equality with torch's SGD form at constant lr and the
// difference after an lr change, padding, option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, Momentum, SGD } from '../../src/index';
import { momentumSpec } from '../../src/rules/momentum';
import { checkKernelAgainstReference, ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  {},
  { lr: 0.05, momentum: 0.5, weightDecay: 0.1, maximize: true },
  { lr: 0.1, momentum: 0 },
];

describe.each(variants)('momentum kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(momentumSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(momentumSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, momentum: 0.99 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(momentumSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

describe('momentum by hand', () => {
  test('three steps: v = γv + ηg, θ −= v', () => {
    const opt = new Momentum({ w: new Float32Array([1]) }, { lr: 0.1, momentum: 0.9 });
    const expected = [
      { v: 0.1, p: 0.9 },
      { v: 0.19, p: 0.71 },
      { v: -0.029, p: 0.739 },
    ];
    [1, 1, -2].forEach((g, k) => {
      opt.grad('w')[0] = g;
      opt.step();
      expect(opt.state('w', 'velocity')[0]).toBeCloseTo(expected[k].v, 6);
      expect(opt.param('w')[0]).toBeCloseTo(expected[k].p, 6);
    });
  });

  test('weight decay and maximize: g = −∇ + λθ enters the velocity scaled by η', () => {
    const opt = new Momentum({ w: new Float32Array([2, -1]) }, { lr: 0.1, momentum: 0.5, weightDecay: 0.2, maximize: true });
    let p = [2, -1];
    let v = [0, 0];
    for (const gr of [[1, 0.5], [-0.5, 0.25]]) {
      opt.grad('w').set(gr);
      opt.step();
      v = v.map((x, i) => 0.5 * x + 0.1 * (-gr[i] + 0.2 * p[i]));
      p = p.map((x, i) => x - v[i]);
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 6)));
    }
  });

  test('equals torch\'s SGD(momentum) at constant lr (velocity = lr × momentum_buffer); differs once lr changes', () => {
    const rand = rng(3);
    const init0 = randomArray(6, rand);
    const ours = new Momentum({ w: Float32Array.from(init0) }, { lr: 0.05, momentum: 0.9 });
    const torchForm = new SGD({ w: Float32Array.from(init0) }, { lr: 0.05, momentum: 0.9 });
    const grads = Array.from({ length: 8 }, () => randomArray(6, rand));
    for (let t = 0; t < 5; t++) {
      ours.grad('w').set(grads[t]);
      torchForm.grad('w').set(grads[t]);
      ours.step();
      torchForm.step();
      Array.from(ours.param('w')).forEach((x, i) => expect(x).toBeCloseTo(torchForm.param('w')[i], 5));
      Array.from(ours.state('w', 'velocity')).forEach((x, i) => expect(x).toBeCloseTo(0.05 * torchForm.state('w', 'momentum_buffer')[i], 5));
    }
    // Drop the lr 10x: torch's next step rescales the whole history by the new lr, ours only the new gradient.
    ours.paramGroups[0].lr = 0.005;
    torchForm.paramGroups[0].lr = 0.005;
    const before = ours.param('w').slice();
    const vBefore = ours.state('w', 'velocity').slice();
    const bufBefore = torchForm.state('w', 'momentum_buffer').slice();
    ours.grad('w').set(grads[5]);
    torchForm.grad('w').set(grads[5]);
    ours.step();
    torchForm.step();
    for (let i = 0; i < 6; i++) {
      expect(ours.param('w')[i]).toBeCloseTo(before[i] - (0.9 * vBefore[i] + 0.005 * grads[5][i]), 5);
      expect(torchForm.param('w')[i]).toBeCloseTo(before[i] - 0.005 * (0.9 * bufBefore[i] + grads[5][i]), 5);
    }
    expect(Math.max(...Array.from(ours.param('w'), (x, i) => Math.abs(x - torchForm.param('w')[i])))).toBeGreaterThan(1e-3);
  });

  test('padding stays zero in every slot', () => {
    const opt = new Momentum({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
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

describe('momentum options', () => {
  test('defaults', () => {
    expect(momentumSpec.defaults).toEqual({ lr: 1e-2, momentum: 0.9, weightDecay: 0, maximize: false });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ momentum: -0.5 }, 'Invalid momentum value: -0.5'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ maximize: 1 }, 'Invalid maximize: 1 (expected true or false)'],
    [{ nesterov: true }, "Unknown option 'nesterov' for momentum"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new Momentum({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
