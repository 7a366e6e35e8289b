// QHAdamW: the SIMD kernel against the float64 reference, decoupled decay written out in float64
// (qhoptim's decouple_weight_decay=True), and its identities with AdamW and QHAdam.
import { beforeAll, describe, expect, test } from 'vitest';
import { AdamW, init, InvalidOptionError, QHAdam, QHAdamW } from '../../src/index';
import { qhadamwSpec } from '../../src/rules/qhadamw';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, rng } from '../helpers';

beforeAll(() => init());

const variants: Record<string, unknown>[] = [
  { lr: 1e-2 },
  { lr: 1e-2, nus: [0.7, 1], betas: [0.995, 0.999], weightDecay: 0.5 },
  { lr: 1e-2, nus: [0.8, 0.6], weightDecay: 0, eps: 1e-6 },
];

describe.each(variants)('qhadamw kernel vs float64 reference %j', (options) => {
  test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
    checkKernelAgainstReference(qhadamwSpec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test('odd mix of tensors in two groups, aligned arena', () => {
    checkKernelAgainstReference(qhadamwSpec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3, nus: [0.5, 0.9], weightDecay: 0.2 }], steps: 4,
    });
  });
  test('odd mix packed unaligned', () => {
    checkKernelAgainstReference(qhadamwSpec, { groups: [[5, 3, 1, 17, 1023], [2, 9]], options, config: { alignElements: 1 }, seed: 7 });
  });
});

const n = 19;
const p0 = () => Float32Array.from({ length: n }, (_, i) => Math.sin(2 * i) + 0.5);
function gradStream(seed: number, steps: number): Float32Array[] {
  const normal = gaussian(rng(seed));
  return Array.from({ length: steps }, () => Float32Array.from({ length: n }, () => normal()));
}

describe('qhadamw', () => {
  test('qhoptim’s decoupled update in float64: θ *= 1 − αλ, then the QHAdam step with the raw gradient', () => {
    const o = { lr: 0.05, betas: [0.9, 0.99] as [number, number], nus: [0.7, 0.8] as [number, number], eps: 1e-8, weightDecay: 0.3 };
    const opt = new QHAdamW({ w: p0() }, o);
    const p = Array.from(p0());
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    let w1 = 0;
    let w2 = 0;
    for (const g of gradStream(1, 6)) {
      opt.grad('w').set(g);
      opt.step();
      w1 = 1 + o.betas[0] * w1;
      w2 = 1 + o.betas[1] * w2;
      for (let i = 0; i < n; i++) {
        p[i] *= 1 - o.lr * o.weightDecay;
        m[i] += (g[i] - m[i]) / w1;
        v[i] += (g[i] * g[i] - v[i]) / w2;
        p[i] -= (o.lr * (o.nus[0] * m[i] + (1 - o.nus[0]) * g[i])) / (Math.sqrt(o.nus[1] * v[i] + (1 - o.nus[1]) * g[i] * g[i]) + o.eps);
      }
      expectAllClose(opt.param('w'), p, 1e-4, 1e-6, 'QHAdamW by hand');
    }
  });

  test('nus = (1, 1) is AdamW; weightDecay = 0 is QHAdam', () => {
    const qhw = new QHAdamW({ w: p0() }, { lr: 1e-2, weightDecay: 0.1 });
    const adamw = new AdamW({ w: p0() }, { lr: 1e-2, weightDecay: 0.1 });
    const qhw0 = new QHAdamW({ w: p0() }, { lr: 1e-2, nus: [0.6, 0.9], weightDecay: 0 });
    const qh = new QHAdam({ w: p0() }, { lr: 1e-2, nus: [0.6, 0.9] });
    for (const g of gradStream(2, 25)) {
      for (const opt of [qhw, adamw, qhw0, qh]) {
        opt.grad('w').set(g);
        opt.step();
      }
      expectAllClose(qhw.param('w'), adamw.param('w'), 1e-5, 1e-6, 'QHAdamW(1, 1) vs AdamW');
      expect(Array.from(qhw0.param('w'))).toEqual(Array.from(qh.param('w')));
    }
  });

  test('options: validated as QHAdam’s; default weightDecay 1e-2', () => {
    expect(() => new QHAdamW({ w: [2] }, { nus: [2, 1] })).toThrow(InvalidOptionError);
    expect(() => new QHAdamW({ w: [2] }, { eps: 0 })).toThrow('Invalid epsilon value: 0');
    expect(() => new QHAdamW({ w: [2] }, { weightDecay: -1 })).toThrow('Invalid weight_decay value: -1');
    expect(qhadamwSpec.defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], nus: [1, 1], eps: 1e-8, weightDecay: 1e-2 });
  });
});
