// RAdam: the SIMD kernel against the float64 reference on odd sizes and mixes (through the
// unrectified first steps into the rectified ones), hand-computed steps, padding, option checks.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, RAdam } from '../../src/index';
import { radamSpec } from '../../src/rules/radam';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';

beforeAll(() => init());

// With β2 = 0.999, ρ_t > 5 from step 6 on: 8 steps cover both branches.
const steps = 8;
const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99] },
  { lr: 1e-2, weightDecay: 0.5, decoupledWeightDecay: true, eps: 1e-6 },
  { lr: 3e-2, weightDecay: 0.2, decoupledWeightDecay: true, maximize: true, eps: 0, betas: [0.5, 0.9] },
];

describe.each(variants)('radam kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(radamSpec, { groups: [[n]], options, config: { alignElements: 1 }, steps });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(radamSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, betas: [0.9, 0.95] }], steps,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(radamSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7, steps });
  });
});

describe('radam by hand', () => {
  test('unrectified steps are SGD on the bias-corrected mean; step 6 rectifies', () => {
    const lr = 0.1;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    const opt = new RAdam({ w: new Float32Array([1, -2]) }, { lr });
    let p = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    const rhoInf = 2 / (1 - b2) - 1;
    for (let t = 1; t <= 7; t++) {
      const g = [0.5 * t - 1.5, 0.25 * (t % 3) - 0.3];
      opt.grad('w').set(g);
      opt.step();
      m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
      v = v.map((x, i) => b2 * x + (1 - b2) * g[i] * g[i]);
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const rho = rhoInf - (2 * t * b2 ** t) / bc2;
      expect(rho > 5).toBe(t >= 6);
      if (rho > 5) {
        const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
        p = p.map((x, i) => x - lr * (m[i] / bc1) * r * (Math.sqrt(bc2) / (Math.sqrt(v[i]) + eps)));
      } else {
        p = p.map((x, i) => x - lr * (m[i] / bc1));
      }
      expect(Array.from(opt.param('w'))).toEqual(p.map((x) => expect.closeTo(x, 5)));
      expect(Array.from(opt.state('w', 'exp_avg'))).toEqual(m.map((x) => expect.closeTo(x, 6)));
    }
    // Step 1 is plain SGD: m̂_1 = g_1.
    expect(opt.stepCount()).toBe(7);
  });

  test('eps is added to sqrt(v) before the bias correction (torch), not after (Adam)', () => {
    // Six equal gradients: m̂ = g, v = (1 − β2^6) g², so sqrt(v) + ε ≠ sqrt(v̂) + ε by a factor of sqrt(1 − β2^6).
    const eps = 1e-3;
    const g = 1e-3;
    const opt = new RAdam({ w: [1] }, { lr: 1, eps });
    for (let t = 1; t <= 5; t++) {
      opt.grad('w').fill(g);
      opt.step();
    }
    const before = opt.param('w')[0];
    opt.grad('w').fill(g);
    opt.step();
    const t = 6;
    const [b2, rhoInf] = [0.999, 1999];
    const bc2 = 1 - b2 ** t;
    const rho = rhoInf - (2 * t * b2 ** t) / bc2;
    const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
    const vt = opt.state('w', 'exp_avg_sq')[0];
    const expected = before - r * g * (Math.sqrt(bc2) / (Math.sqrt(vt) + eps));
    const adamStyle = before - r * g / (Math.sqrt(vt / bc2) + eps);
    expect(opt.param('w')[0]).toBeCloseTo(expected, 6);
    expect(Math.abs(opt.param('w')[0] - adamStyle)).toBeGreaterThan(1e-3);
  });

  test('padding stays zero in every slot', () => {
    const opt = new RAdam({ a: [3], b: [5] }, { lr: 0.1, weightDecay: 0.1 });
    opt.param('a').fill(1);
    opt.param('b').fill(-1);
    for (let k = 0; k < 8; k++) {
      opt.grad('a').fill(0.5);
      opt.grad('b').fill(-0.5 * k);
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

describe('radam options', () => {
  test('defaults are torch\'s', () => {
    expect(radamSpec.defaults).toEqual({
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false,
    });
  });
  const bad: [Record<string, unknown>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-8'],
    [{ betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1.0'],
    [{ betas: [0.9, -0.1] }, 'Invalid beta parameter at index 1: -0.1'],
    [{ weightDecay: -0.1 }, 'Invalid weight_decay value: -0.1'],
    [{ decoupledWeightDecay: 1 }, 'Invalid decoupledWeightDecay: 1 (expected true or false)'],
    [{ maximize: 'yes' }, 'Invalid maximize: yes (expected true or false)'],
    [{ decoupled_weight_decay: true }, "Unknown option 'decoupled_weight_decay' for radam; did you mean 'decoupledWeightDecay'?"],
  ];
  test.each(bad)('%j is rejected', (options, message) => {
    const make = () => new RAdam({ w: [2] }, options as never);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });
});
