// statePrecision through the public API: options and their errors, the layout and its exact memory
// figures, views of low-precision slots, state dicts (exact round trips, float32 loads, mismatches),
// resuming, and the small-second-moment failure of 8-bit optimizers.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  Adam, AdamW, Adagrad, HVAdam, init, InvalidOptionError, Optimizer, RMSprop, RULES, SGD, StateDictError, TensorError,
  INT8_MIN_ELEMENTS, QUANT_BLOCK, stateByteLength, supportedPrecisions,
} from '../../src/index';
import { bf16FromFloat, bf16ToFloat, decodeQ8, encodeQ8 } from '../../src/lowp/codec';
import { randomArray, rng } from '../helpers';

beforeAll(() => init());

const randomGrads = (opt: Optimizer<object>, rand: () => number, scale = 1): void => {
  for (const name of opt.tensorNames) opt.grad(name).set(randomArray(opt.grad(name).length, rand, scale));
};

describe('options', () => {
  test('one option halves or quarters Adam state; float32 is the default and unchanged', () => {
    const n = 1 << 20;
    const sizes = { w: [1024, 1024] };
    const f32 = new Adam(sizes);
    const bf16 = new Adam(sizes, { statePrecision: 'bfloat16' });
    const int8 = new Adam(sizes, { lr: 1e-3, statePrecision: 'int8' });
    expect(stateByteLength(f32.layout) / n).toBe(8);
    expect(stateByteLength(bf16.layout) / n).toBe(4);
    // 2 bytes of codes + 2 float32 absmax per 256 elements.
    expect(stateByteLength(int8.layout) / n).toBe(2 + (2 * 4) / QUANT_BLOCK);
    expect([f32, bf16, int8].map((o) => o.statePrecision(0))).toEqual(['float32', 'bfloat16', 'int8']);
    expect(f32.layout.groups[0].slotDtype).toEqual({ param: 'float32', grad: 'float32', exp_avg: 'float32', exp_avg_sq: 'float32' });
    expect(int8.layout.groups[0].slots).toEqual(['param', 'grad', 'exp_avg', 'exp_avg.absmax', 'exp_avg_sq', 'exp_avg_sq.absmax']);
    expect(int8.layout.groups[0].slotDtype).toMatchObject({ exp_avg: 'int8', exp_avg_sq: 'uint8', 'exp_avg.absmax': 'float32' });
    expect(int8.paramGroups[0]).not.toHaveProperty('statePrecision');
  });

  test('per group: a group overrides the optimizer; small int8 groups keep float32 state', () => {
    const opt = new AdamW(
      [
        { params: { w: [64, 128] } },
        { params: { bias: [128], norm: [128] }, weightDecay: 0 },
        { params: { head: [128, 10] }, statePrecision: 'bfloat16' },
      ],
      { statePrecision: 'int8' },
    );
    expect([0, 1, 2].map((g) => opt.statePrecision(g))).toEqual(['int8', 'float32', 'bfloat16']);
    expect(INT8_MIN_ELEMENTS).toBe(4096);
    const low = new AdamW({ b: [100] }, { statePrecision: 'int8', int8MinElements: 0 });
    expect(low.statePrecision()).toBe('int8');
  });

  test('int8 layout: tensors start on 256-element blocks, every slot on 64 bytes, one absmax per block', () => {
    const opt = new Adam({ a: [5000], b: [3], c: [300] }, { statePrecision: 'int8' });
    const g = opt.layout.groups[0];
    expect(g.blockSize).toBe(256);
    expect(g.tensors.map((t) => t.offset)).toEqual([0, 5120, 5376]);
    expect(g.slotLength).toBe(5888);
    for (const s of g.slots) expect(g.slotByteOffset[s] % 64).toBe(0);
    expect(g.slotElements['exp_avg.absmax']).toBe(5888 / 256);
    expect(opt.stateRaw('c', 'exp_avg.absmax')).toHaveLength(2);
  });

  test('errors name the problem', () => {
    const bad = (fn: () => unknown, message: RegExp) => expect(fn).toThrow(message);
    bad(() => new Adam({ w: [4] }, { statePrecision: 'fp16' as never }), /Invalid statePrecision: 'fp16'/);
    expect(() => new Adam({ w: [4] }, { statePrecision: 'fp16' as never })).toThrow(InvalidOptionError);
    bad(() => new Optimizer(RULES.adagrad, { w: [4] }, { statePrecision: 'bfloat16' }), /Rule 'adagrad' does not support statePrecision 'bfloat16' \(it supports 'float32'\)/);
    bad(() => new HVAdam({ w: [4] }, { statePrecision: 'int8' } as never), /Rule 'hvadam' does not support statePrecision 'int8'/);
    bad(() => new Adam({ w: [4] }, { stateRounding: 'stochastic' }), /applies to statePrecision 'bfloat16' or 'int8'; got statePrecision 'float32'/);
    bad(() => new Adam({ w: [4] }, { stateRounding: 'up' as never }), /Invalid stateRounding: 'up'/);
    bad(() => new Adam({ w: [4] }, { int8MinElements: -1 }), /Invalid int8MinElements: -1/);
    bad(() => new RMSprop({ w: [4] }, { centered: true, statePrecision: 'bfloat16' }), /centered RMSprop is float32 only/);
    bad(() => new Adam([{ params: { w: [4] }, statePrecision: 'int4' as never }]), /Invalid statePrecision/);
    expect(supportedPrecisions(RULES.adam)).toEqual(['float32', 'bfloat16', 'int8']);
    expect(supportedPrecisions(RULES.adagrad)).toEqual(['float32']);
    // The rule's own options are still checked.
    bad(() => new Adam({ w: [4] }, { statePrecison: 'int8' } as never), /Unknown option 'statePrecison' for adam/);
    expect(() => new Adagrad({ w: [4] })).not.toThrow();
  });

  test('plain SGD has no state: any supported precision steps exactly as float32', () => {
    const a = new SGD({ w: randomArray(5000, rng(1)) }, { lr: 0.1 });
    const b = new SGD({ w: a.param('w').slice() }, { lr: 0.1, statePrecision: 'int8' });
    const g = randomArray(5000, rng(2));
    a.grad('w').set(g);
    b.grad('w').set(g);
    a.step();
    b.step();
    expect([...b.param('w')]).toEqual([...a.param('w')]);
    expect(stateByteLength(b.layout)).toBe(0);
  });
});

describe('views', () => {
  test('state() decodes a copy; setState encodes; stateRaw and slotRaw view the storage', () => {
    const opt = new Adam({ w: [4100] }, { statePrecision: 'bfloat16' });
    const values = randomArray(4100, rng(3));
    opt.setState('w', 'exp_avg', values);
    const raw = opt.stateRaw('w', 'exp_avg') as Uint16Array;
    expect(raw).toBeInstanceOf(Uint16Array);
    expect(raw[7]).toBe(bf16FromFloat(values[7]));
    const decoded = opt.state('w', 'exp_avg');
    expect(decoded[7]).toBe(bf16ToFloat(raw[7]));
    decoded[7] = 123; // a copy: the optimizer does not see it
    expect(opt.state('w', 'exp_avg')[7]).toBe(bf16ToFloat(raw[7]));
    expect(opt.slotRaw(0, 'exp_avg')).toBeInstanceOf(Uint16Array);
    expect(opt.slotRaw(0, 'param')).toBeInstanceOf(Float32Array);
  });

  test('slotView of a low-precision slot throws a TensorError naming its dtype and the raw accessor', () => {
    const opt = new Adam({ w: [5000] }, { statePrecision: 'int8' });
    expect(() => opt.slotView(0, 'exp_avg')).toThrow(TensorError);
    expect(() => opt.slotView(0, 'exp_avg')).toThrow(/stored as int8, not float32: use slotRaw\(0, 'exp_avg'\)/);
    expect(() => opt.slotView(0, 'exp_avg_sq')).toThrow(/stored as uint8/);
    expect(opt.slotView(0, 'exp_avg.absmax')).toHaveLength(opt.layout.groups[0].slotLength / 256);
    expect(opt.slotView(0, 'param')).toHaveLength(opt.layout.groups[0].slotLength);
    expect(() => opt.stateRaw('w', 'exp_avg.scale')).toThrow(TensorError);
    expect(() => new Adam({ w: [4] }, { statePrecision: 'bfloat16' }).stateRaw('w', 'exp_avg.absmax')).toThrow(/has no 'exp_avg.absmax'/);
  });

  test('8-bit setState quantizes the tensor by blocks; state() reads it back within the map', () => {
    const opt = new Adam({ a: [300], w: [5000] }, { statePrecision: 'int8' });
    const v = randomArray(5000, rng(4)).map((x) => x * x);
    opt.setState('w', 'exp_avg_sq', v);
    const codes = new Uint8Array(5000);
    const absmax = new Float32Array(20);
    encodeQ8(v, codes, absmax);
    expect([...(opt.stateRaw('w', 'exp_avg_sq') as Uint8Array)]).toEqual([...codes]);
    const back = new Float32Array(5000);
    decodeQ8(codes, absmax, back);
    expect([...opt.state('w', 'exp_avg_sq')]).toEqual([...back]);
  });
});

describe('state dicts', () => {
  const build = (precision: 'bfloat16' | 'int8', extra: Record<string, unknown> = {}) =>
    new AdamW([{ params: { w: [70, 80], b: [80] } }, { params: { h: [80, 3] }, lr: 3e-3 }], {
      lr: 1e-2, statePrecision: precision, int8MinElements: 0, ...extra,
    });

  test.each([
    ['bfloat16', {}],
    ['bfloat16', { stateRounding: 'stochastic' }],
    ['int8', {}],
    ['int8', { stateRounding: 'stochastic' }],
  ] as const)('%s %j: stateDict -> loadStateDict is exact, and resuming equals not stopping', (precision, extra) => {
    const rand = rng(6);
    const a = build(precision, extra);
    const grads = Array.from({ length: 12 }, () => a.tensorNames.map((n) => randomArray(a.grad(n).length, rand)));
    const run = (opt: Optimizer<object>, from: number, to: number) => {
      for (let s = from; s < to; s++) {
        opt.tensorNames.forEach((n, i) => opt.grad(n).set(grads[s][i]));
        opt.step();
      }
    };
    run(a, 0, 6);
    const sd = a.stateDict();
    expect(sd.param_groups[0]).toMatchObject({ statePrecision: precision, ...extra });
    const kind = precision === 'bfloat16' ? Uint16Array : Int8Array;
    expect(sd.state.w.exp_avg).toBeInstanceOf(kind);
    if (precision === 'int8') {
      expect(sd.state.w.exp_avg_sq).toBeInstanceOf(Uint8Array);
      expect(sd.state.w['exp_avg.absmax']).toHaveLength(Math.ceil(5600 / 256));
    }
    const b = build(precision, extra);
    b.loadStateDict(sd);
    for (const n of a.tensorNames) b.param(n).set(a.param(n));
    expect(b.stateDict()).toEqual(sd);
    run(a, 6, 12);
    run(b, 6, 12);
    for (const n of a.tensorNames) expect([...b.param(n)], n).toEqual([...a.param(n)]);
    expect(b.stateDict()).toEqual(a.stateDict());
  });

  test('float32 state loads into a low-precision optimizer (rounded / quantized)', () => {
    const f32 = new AdamW({ w: [5000] }, { lr: 1e-2 });
    const rand = rng(8);
    for (let s = 0; s < 3; s++) {
      randomGrads(f32, rand);
      f32.step();
    }
    const sd = f32.stateDict();
    const bf16 = new AdamW({ w: [5000] }, { lr: 1e-2, statePrecision: 'bfloat16' });
    bf16.loadStateDict(sd);
    const m = sd.state.w.exp_avg as Float32Array;
    expect((bf16.stateRaw('w', 'exp_avg') as Uint16Array)[11]).toBe(bf16FromFloat(m[11]));
    const int8 = new AdamW({ w: [5000] }, { lr: 1e-2, statePrecision: 'int8' });
    int8.loadStateDict(sd);
    const codes = new Int8Array(5000);
    const absmax = new Float32Array(20);
    encodeQ8(m, codes, absmax);
    expect([...(int8.stateRaw('w', 'exp_avg') as Int8Array)]).toEqual([...codes]);
    expect(int8.stepCount()).toBe(3);
  });

  test('mismatches are StateDictErrors, and nothing is written', () => {
    const bf16 = build('bfloat16');
    const int8 = build('int8');
    const f32 = new AdamW([{ params: { w: [70, 80], b: [80] } }, { params: { h: [80, 3] }, lr: 3e-3 }], { lr: 1e-2 });
    bf16.step();
    const before = int8.stateDict();
    expect(() => int8.loadStateDict(bf16.stateDict())).toThrow(StateDictError);
    expect(() => int8.loadStateDict(bf16.stateDict())).toThrow(/saved with statePrecision 'bfloat16'; this optimizer stores its state as 'int8'/);
    expect(() => f32.loadStateDict(bf16.stateDict())).toThrow(/saved with statePrecision 'bfloat16'; this optimizer stores its state as 'float32'/);
    // Storage of another precision without the statePrecision field.
    const sd = bf16.stateDict();
    const stripped = { ...sd, param_groups: (sd.param_groups as unknown as readonly Record<string, unknown>[]).map(({ statePrecision: _p, ...g }) => g) };
    expect(() => int8.loadStateDict(stripped as never)).toThrow(/is a Uint16Array; this optimizer stores it as int8/);
    expect(() => f32.loadStateDict(stripped as never)).toThrow(/is a Uint16Array; this optimizer stores it as float32/);
    // 8-bit codes without their absmax.
    const q = int8.stateDict();
    const { 'exp_avg.absmax': _drop, ...noScale } = q.state.w;
    expect(() => int8.loadStateDict({ ...q, state: { ...q.state, w: noScale } })).toThrow(/'exp_avg.absmax' has undefined values; expected 22/);
    // An absmax key where the slot is not 8-bit.
    expect(() => bf16.loadStateDict({ ...q, param_groups: q.param_groups.map((g) => ({ ...g, statePrecision: 'bfloat16' })) } as never))
      .toThrow(StateDictError);
    expect(int8.stateDict()).toEqual(before);
  });
});

describe('the small second moment failure of 8-bit Adam', () => {
  test('elements whose v is tiny beside their block max do not take m/eps steps', () => {
    // One element of each block sees gradients 1e6 times larger than the rest: in the block's map
    // the others' v is ~1e-12 of the absmax, below the smallest nonzero code. Every third step the
    // small ones get no gradient (sparse rows): were their v stored as 0 while m is not, the step
    // would be m/eps.
    const n = 8192;
    const lr = 1e-3;
    const make = (precision: 'float32' | 'int8') => new Adam({ w: [n] }, { lr, statePrecision: precision });
    const opts = [make('float32'), make('int8')];
    const rand = rng(10);
    let worst = 0;
    for (let s = 0; s < 50; s++) {
      const g = randomArray(n, rand, 1e-3);
      if (s % 3 === 2) g.fill(0);
      for (let i = 0; i < n; i += 256) g[i] = (rand() - 0.5) * 1e3;
      for (const o of opts) {
        const before = o.param('w').slice();
        o.grad('w').set(g);
        o.step();
        const p = o.param('w');
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(p[i] - before[i]) / lr);
      }
    }
    // float32 Adam's steps here stay below 1.0·lr; m/eps would be ~1e5·lr. The bottom codes round
    // conservatively (m toward zero, v up): observed 1.18·lr (4.8·lr with nearest codes there).
    expect(worst).toBeLessThan(1.5);
    expect(opts[1].param('w').every(Number.isFinite)).toBe(true);
  });
});
