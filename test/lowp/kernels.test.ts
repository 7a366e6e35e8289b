// Low-precision kernels against references:
// - every supported rule, bfloat16 (nearest and stochastic) and int8: a step of the rule's float64
//   reference from the decoded state, then the new state rounded/quantized by the TS codec; params
//   within 1e-5, bfloat16 state within one bfloat16 ulp, 8-bit codes within one code;
// - Adam bfloat16 bit for bit against a float32 emulation of the kernel (Math.fround after every
//   operation, in the kernel's order) with nearest-even / stochastic narrowing.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, Optimizer, RULES } from '../../src/index';
import { absmaxSlot, isQuantized, QUANT_BLOCK } from '../../src/layout';
import { bf16FromFloat, bf16Stochastic, bf16ToFloat, decodeQ8, encodeQ8, hash32 } from '../../src/lowp/codec';
import { roundingSeed } from '../../src/lowp/precision';
import type { AnyRuleSpec, GroupVectors, Scalars } from '../../src/rules/spec';
import type { ArenaConfig } from '../../src/optimizer';
import { closeness, expectAllClose, gaussian, ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

type Lowp = { statePrecision: 'bfloat16' | 'int8'; stateRounding?: 'stochastic' };

/** The decoded float32 values of a whole state slot (padding included). */
function decodedSlot(opt: Optimizer<object>, g: number, slot: string): Float32Array {
  const layout = opt.layout.groups[g];
  const dtype = layout.slotDtype[slot];
  if (dtype === 'float32') return opt.slotView(g, slot).slice();
  const raw = opt.slotRaw(g, slot);
  const out = new Float32Array(layout.slotLength);
  if (dtype === 'bfloat16') new Uint32Array(out.buffer).set(Array.from(raw as Uint16Array, (b) => b << 16));
  else decodeQ8(raw as Int8Array | Uint8Array, opt.slotRaw(g, absmaxSlot(slot)), out);
  return out;
}

function checkLowPrecision(
  spec: AnyRuleSpec, options: Record<string, unknown>, lowp: Lowp,
  groups: readonly (readonly number[])[], config: ArenaConfig = {}, steps = 5, seed = 1,
): void {
  const rand = rng(seed);
  const normal = gaussian(rand);
  const params = groups.map((sizes, g) => ({ params: Object.fromEntries(sizes.map((n, i) => [`g${g}t${i}`, randomArray(n, rand)])) }));
  const opt = new Optimizer(spec, params, { ...options, ...lowp, int8MinElements: 0 }, config);
  const label = `${spec.name} ${JSON.stringify(options)} ${JSON.stringify(lowp)}`;
  for (let step = 1; step <= steps; step++) {
    groups.forEach((sizes, g) => sizes.forEach((n, i) => {
      const grad = opt.grad(`g${g}t${i}`);
      for (let k = 0; k < n; k++) grad[k] = normal();
    }));
    const refs = groups.map((_, g) => {
      const layout = opt.layout.groups[g];
      const slots = layout.slots.filter((s) => s !== 'param' && s !== 'grad' && !s.endsWith('.absmax'));
      const ref: GroupVectors<Float64Array> = {
        param: Float64Array.from(opt.slotView(g, 'param')),
        grad: Float64Array.from(opt.slotView(g, 'grad')),
        slots: Object.fromEntries(slots.map((s) => [s, Float64Array.from(decodedSlot(opt, g, s))])),
      };
      const o = opt.paramGroups[g];
      const scalars: Scalars = { ...opt.scalars(g), step: opt.stepCount(g) + 1 };
      spec.referenceStep(ref, o, spec.coefficients(o, scalars), scalars);
      return { ref, slots };
    });
    opt.step();
    refs.forEach(({ ref, slots }, g) => {
      const layout = opt.layout.groups[g];
      expectAllClose(opt.slotView(g, 'param'), ref.param, 1e-5, 1e-6, `${label} step ${step} group ${g} param`);
      for (const s of slots) {
        const dtype = layout.slotDtype[s];
        if (dtype === 'bfloat16') {
          // Nearest-even or stochastic: the stored value is a bfloat16 neighbour of the float32 result,
          // which differs from float64 by float32 rounding (absolute where the update cancels).
          const got = decodedSlot(opt, g, s);
          const scale = ref.slots[s].reduce((a, x) => Math.max(a, Math.abs(x)), 0);
          const worst = closeness(got, Float32Array.from(ref.slots[s]), 2 ** -7, 1e-6 * scale + 1e-38);
          expect(worst, `${label} step ${step} group ${g} ${s} (bfloat16)`).toBeLessThanOrEqual(1);
        } else if (isQuantized(dtype)) {
          const codes = opt.slotRaw(g, s) as Int8Array | Uint8Array;
          const expected = dtype === 'int8' ? new Int8Array(codes.length) : new Uint8Array(codes.length);
          const absmax = new Float32Array(layout.slotLength / QUANT_BLOCK);
          encodeQ8(Float32Array.from(ref.slots[s]), expected, absmax);
          let worst = 0;
          for (let i = 0; i < codes.length; i++) worst = Math.max(worst, Math.abs(codes[i] - expected[i]));
          expect(worst, `${label} step ${step} group ${g} ${s} codes`).toBeLessThanOrEqual(1);
          expectAllClose(opt.slotRaw(g, absmaxSlot(s)), absmax, 1e-5, 1e-30, `${label} step ${step} group ${g} ${s}.absmax`);
        }
      }
    });
  }
}

const VARIANTS: [string, Record<string, unknown>][] = [
  ['adam', { lr: 1e-2 }],
  ['adam', { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99] }],
  ['adam', { lr: 1e-2, amsgrad: true, eps: 1e-6 }],
  ['adamw', { lr: 1e-2, weightDecay: 0.5, amsgrad: true }],
  ['adamomentum', { lr: 1e-2 }],
  ['adamomentum', { lr: 1e-2, decoupled: true, weightDecay: 0.1 }],
  ['qhadam', { lr: 1e-2, nus: [0.7, 1], betas: [0.995, 0.999] }],
  ['qhadamw', { lr: 1e-2, weightDecay: 0.1, nus: [0.7, 0.9] }],
  ['sgd', { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }],
  ['sgd', { lr: 0.05, momentum: 0.9, nesterov: true, maximize: true }],
  ['rmsprop', { lr: 1e-2 }],
  ['rmsprop', { lr: 1e-2, momentum: 0.9, weightDecay: 0.01 }],
];
const PRECISIONS: Lowp[] = [
  { statePrecision: 'bfloat16' }, { statePrecision: 'bfloat16', stateRounding: 'stochastic' },
  { statePrecision: 'int8' }, { statePrecision: 'int8', stateRounding: 'stochastic' },
];

describe.each(VARIANTS)('%s %j: low-precision kernels vs float64 reference', (rule, options) => {
  test.each(PRECISIONS)('%j: odd sizes packed, one tensor each', (lowp) => {
    for (const n of ODD_SIZES) checkLowPrecision(RULES[rule], options, lowp, [[n]], { alignElements: 1 }, 3, n + 1);
  });
  test.each(PRECISIONS)('%j: odd mix of tensors in two groups, aligned', (lowp) => {
    checkLowPrecision(RULES[rule], options, lowp, [[...ODD_SIZES], [7, 2, 33]], {}, 4);
  });
});

// ---- Adam bfloat16, bit for bit ------------------------------------------------------------------

const fr = Math.fround;

/** The bf16 kernel's arithmetic in float32, element by element (adam_bf16.ts order, unfused). */
function emulateAdamBf16(
  p: Float32Array, grad: Float32Array, m: Uint16Array, v: Uint16Array, vmax: Uint16Array | null,
  o: { betas: [number, number]; lr: number; eps: number; weightDecay: number; maximize: boolean; amsgrad: boolean },
  decoupled: boolean, step: number, stochastic: boolean, seed: number,
): void {
  const [b1, b2] = o.betas;
  const bc2 = Math.sqrt(1 - b2 ** step);
  const stepSize = fr((o.lr * bc2) / (1 - b1 ** step));
  const eps = fr(o.eps * bc2);
  const omb1 = fr(1 - b1);
  const beta2 = fr(b2);
  const omb2 = fr(1 - b2);
  const wd = fr(decoupled ? 0 : o.weightDecay);
  const scale = fr(decoupled ? 1 - o.lr * o.weightDecay : 1);
  const sign = o.maximize ? -1 : 1;
  const narrow = (x: number, r: number): number => (stochastic ? bf16Stochastic(x, r) : bf16FromFloat(x));
  for (let i = 0; i < p.length; i++) {
    let pi = p[i];
    let g = grad[i];
    if (!(wd === 0 && scale === 1 && sign === 1 && !o.amsgrad)) {
      pi = fr(scale * pi);
      g = fr(fr(wd * pi) + fr(sign * g));
    }
    const m0 = bf16ToFloat(m[i]);
    const mi = fr(fr(omb1 * fr(g - m0)) + m0);
    const vi = fr(fr(fr(omb2 * g) * g) + fr(beta2 * bf16ToFloat(v[i])));
    let vv = vi;
    if (o.amsgrad && vmax) vv = Math.max(bf16ToFloat(vmax[i]), vi);
    const r = stochastic ? hash32(i, seed) : 0;
    m[i] = narrow(mi, r & 0xffff);
    v[i] = narrow(vi, r >>> 16);
    if (o.amsgrad && vmax) vmax[i] = narrow(vv, r >>> 16);
    p[i] = fr(pi - fr(stepSize * fr(mi / fr(fr(Math.sqrt(vv)) + eps))));
  }
}

describe('Adam bfloat16 kernel equals a float32 emulation bit for bit', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['adam', { lr: 1e-2 }, false],
    ['adam', { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99] }, false],
    ['adam', { lr: 3e-3, amsgrad: true }, false],
    ['adamw', { lr: 1e-2, weightDecay: 0.3 }, true],
  ];
  test.each(cases)('%s %j, nearest and stochastic, one tensor per odd size, packed', (rule, options, decoupled) => {
    for (const stochastic of [false, true]) {
      for (const n of [1, 3, 4, 7, 8, 9, 17, 1023, 4097]) {
        const rand = rng(n);
        const normal = gaussian(rand);
        const opt = new Optimizer(
          RULES[rule], { w: randomArray(n, rand) },
          { ...options, statePrecision: 'bfloat16', stateRounding: stochastic ? 'stochastic' : 'nearest' }, { alignElements: 1 },
        );
        const o = opt.paramGroups[0] as unknown as Parameters<typeof emulateAdamBf16>[5];
        const p = opt.param('w').slice();
        const m = new Uint16Array(n);
        const v = new Uint16Array(n);
        const vmax = o.amsgrad ? new Uint16Array(n) : null;
        for (let step = 1; step <= 6; step++) {
          const grad = opt.grad('w');
          for (let k = 0; k < n; k++) grad[k] = normal() * 10 ** (3 * rand() - 2);
          emulateAdamBf16(p, grad, m, v, vmax, o, decoupled, step, stochastic, roundingSeed(0, step));
          opt.step();
          const tag = `${rule} n=${n} stochastic=${stochastic} step ${step}`;
          expect([...opt.param('w')], `${tag} param`).toEqual([...p]);
          expect([...(opt.stateRaw('w', 'exp_avg') as Uint16Array)], `${tag} exp_avg`).toEqual([...m]);
          expect([...(opt.stateRaw('w', 'exp_avg_sq') as Uint16Array)], `${tag} exp_avg_sq`).toEqual([...v]);
          if (vmax) expect([...(opt.stateRaw('w', 'max_exp_avg_sq') as Uint16Array)], `${tag} max_exp_avg_sq`).toEqual([...vmax]);
        }
      }
    }
  });

  test('two groups in an aligned arena: padding stays zero in every bfloat16 slot', () => {
    const opt = new Optimizer(RULES.adam, [{ params: { a: [5], b: [33] } }, { params: { c: [17] }, lr: 1e-3 }], { lr: 1e-2, statePrecision: 'bfloat16' });
    const rand = rng(2);
    for (let s = 0; s < 5; s++) {
      for (const name of opt.tensorNames) opt.grad(name).set(randomArray(opt.grad(name).length, rand));
      opt.step();
    }
    opt.layout.groups.forEach((g, gi) => {
      for (const slot of ['exp_avg', 'exp_avg_sq']) {
        const raw = opt.slotRaw(gi, slot);
        let covered = 0;
        for (const t of g.tensors) {
          for (let i = t.offset + t.size; i < t.offset + Math.ceil(t.size / 16) * 16; i++) expect(raw[i]).toBe(0);
          covered += t.size;
        }
        expect(covered).toBeGreaterThan(0);
      }
    });
  });
});
