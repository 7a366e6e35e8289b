// The optimizer API as a user drives it: views, groups, lr changes, state dicts, bad input.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  Adam, AdamW, SGD, init, isInitialized, InvalidOptionError, StateDictError, TensorError, ALIGN_ELEMENTS,
  type StateDict,
} from '../src/index';
import { randomArray, rng } from './helpers';

beforeAll(() => init());

function fillGrads(opt: { tensorNames: string[]; grad(n: string): Float32Array }, rand: () => number): void {
  for (const name of opt.tensorNames) opt.grad(name).set(randomArray(opt.grad(name).length, rand));
}

/** Everything a step could change: params, grads and every state slot, copied. */
function snapshot(opt: Adam | SGD): Float32Array[] {
  return opt.layout.groups.flatMap((g, gi) => g.slots.map((s) => opt.slotView(gi, s).slice()));
}

describe('init', () => {
  test('is idempotent and concurrent calls share one compile', async () => {
    await Promise.all([init(), init(), init()]);
    expect(isInitialized()).toBe(true);
  });
});

describe('arena layout and views', () => {
  test('tensors sit at aligned offsets, identical in every slot', () => {
    const opt = new Adam({ w: [3, 5], b: [7], s: [] }, { lr: 0.1 });
    const g = opt.layout.groups[0];
    expect(g.slots).toEqual(['param', 'grad', 'exp_avg', 'exp_avg_sq']);
    for (const t of g.tensors) expect(t.offset % ALIGN_ELEMENTS).toBe(0);
    for (const slot of g.slots) expect(g.slotByteOffset[slot] % 64).toBe(0);
    expect(g.tensors.map((t) => t.size)).toEqual([15, 7, 1]);
    expect(opt.shape('w')).toEqual([3, 5]);
    // A view is a window on the arena: writing through it is what the kernel sees.
    opt.param('w').fill(2);
    expect(opt.slotView(0, 'param')[g.tensors[0].offset]).toBe(2);
    expect(opt.param('w').buffer).toBe(opt.grad('b').buffer);
  });

  test('initial values from Float32Array and {shape, data}; zero-size tensors are fine', () => {
    const opt = new SGD({ a: new Float32Array([1, 2, 3]), m: { shape: [2, 2], data: [1, 2, 3, 4] }, z: [0, 4] });
    expect([...opt.param('a')]).toEqual([1, 2, 3]);
    expect([...opt.param('m')]).toEqual([1, 2, 3, 4]);
    expect(opt.param('z').length).toBe(0);
    opt.grad('a').fill(1);
    opt.step();
    expect([...opt.param('a')]).toEqual([1, 2, 3].map((x) => Math.fround(x - Math.fround(1e-3))));
  });

  test('views stay valid across steps; copy-in and zeroGrad work', () => {
    const opt = new Adam({ w: [10] });
    const w = opt.param('w');
    opt.setGrad('w', Array.from({ length: 10 }, (_, i) => i - 5));
    opt.step();
    expect(w).toBe(opt.param('w'));
    expect(w.some((x) => x !== 0)).toBe(true);
    opt.zeroGrad();
    expect(opt.grad('w').every((x) => x === 0)).toBe(true);
  });
});

describe('parameter groups', () => {
  test('each group uses its own options, and lr changes between steps take effect', () => {
    const opt = new SGD([{ params: { a: new Float32Array([1]) } }, { params: { b: new Float32Array([1]) }, lr: 0.5 }], { lr: 0.1 });
    opt.grad('a')[0] = 1;
    opt.grad('b')[0] = 1;
    opt.step();
    expect(opt.param('a')[0]).toBeCloseTo(0.9, 6);
    expect(opt.param('b')[0]).toBeCloseTo(0.5, 6);
    opt.paramGroups[0].lr = 0.2;
    opt.step();
    expect(opt.param('a')[0]).toBeCloseTo(0.7, 6);
    expect(opt.stepCount(1)).toBe(2);
  });

  test('a closure passed to step is evaluated first and its loss returned', () => {
    const opt = new SGD({ a: [1] });
    expect(opt.step(() => 1.5)).toBe(1.5);
  });
});

describe('state dict', () => {
  const make = () =>
    new AdamW(
      [{ params: { w: [4, 5], b: [3] } }, { params: { c: [17] }, lr: 3e-3, amsgrad: true }],
      { lr: 1e-2, betas: [0.8, 0.99] },
    );

  test('save, load into a fresh optimizer, continue: identical results', () => {
    const rand = rng(3);
    const a = make();
    for (let i = 0; i < 7; i++) { fillGrads(a, rand); a.step(); }
    const sd = a.stateDict();
    const b = make();
    for (const name of a.tensorNames) b.param(name).set(a.param(name));
    b.loadStateDict(sd);
    expect(b.paramGroups[1]).toMatchObject({ lr: 3e-3, amsgrad: true, betas: [0.8, 0.99] });
    for (let i = 0; i < 5; i++) {
      const gradRand = rng(100 + i);
      fillGrads(a, gradRand);
      fillGrads(b, rng(100 + i));
      a.step();
      b.step();
    }
    for (const name of a.tensorNames) {
      expect(b.param(name)).toEqual(a.param(name));
      expect(b.state(name, 'exp_avg_sq')).toEqual(a.state(name, 'exp_avg_sq'));
    }
    expect(b.stepCount(0)).toBe(12);
    expect(b.state('c', 'max_exp_avg_sq')).toEqual(a.state('c', 'max_exp_avg_sq'));
  });

  test('uses torch state names and holds copies', () => {
    const a = make();
    a.step();
    const sd = a.stateDict();
    expect(Object.keys(sd.state.w).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(Object.keys(sd.state.c).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.state.w.step).toBe(1);
    expect(sd.param_groups[0].params).toEqual(['w', 'b']);
    (sd.state.w.exp_avg as Float32Array).fill(9);
    expect(a.state('w', 'exp_avg')[0]).not.toBe(9);
  });

  test.each<[string, (sd: StateDict<any>) => StateDict<any>, RegExp]>([
    ['another rule', (sd) => ({ ...sd, rule: 'sgd' }), /saved by rule 'sgd'; this optimizer is 'adamw'/],
    ['another group count', (sd) => ({ ...sd, param_groups: sd.param_groups.slice(1) }), /1 parameter groups; this optimizer has 2/],
    ['renamed tensors', (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], params: ['w', 'x'] }, sd.param_groups[1]] }), /holds \[w,x\]/],
    ['a wrong slot length', (sd) => ({ ...sd, state: { ...sd.state, b: { ...sd.state.b, exp_avg: new Float32Array(2) } } }), /'exp_avg' of tensor 'b' has 2 elements; expected 3/],
    ['a missing slot', (sd) => ({ ...sd, state: { ...sd.state, c: { step: 1, exp_avg: new Float32Array(17), exp_avg_sq: new Float32Array(17) } } }), /lacks slot 'max_exp_avg_sq'/],
    ['a foreign slot', (sd) => ({ ...sd, state: { ...sd.state, b: { ...sd.state.b, momentum_buffer: new Float32Array(3) } } }), /'momentum_buffer', which is not part of adamw's state/],
    ['mismatched steps in a group', (sd) => ({ ...sd, state: { ...sd.state, b: { ...sd.state.b, step: 9 } } }), /different 'step' values/],
    ['bad options', (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], lr: -1 }, sd.param_groups[1]] }), /Invalid learning rate: -1/],
  ])('rejects %s and changes nothing', (_, mutate, message) => {
    const a = make();
    fillGrads(a, rng(1));
    a.step();
    const sd = a.stateDict();
    const b = make();
    fillGrads(b, rng(2));
    b.step();
    b.step();
    const before = snapshot(b as unknown as Adam);
    const groupsBefore = JSON.stringify(b.paramGroups);
    expect(() => b.loadStateDict(mutate(sd))).toThrow(message);
    expect(snapshot(b as unknown as Adam)).toEqual(before);
    expect(JSON.stringify(b.paramGroups)).toBe(groupsBefore);
    expect(b.stepCount(0)).toBe(2);
  });

  test('error names are spelled out, so minified bundles still say which error', async () => {
    const errors = await import('../src/errors');
    for (const [exported, Ctor] of Object.entries(errors)) {
      if (typeof Ctor !== 'function') continue;
      const err = new (Ctor as new (m: string, r?: string) => Error)('msg', 'corrupted');
      expect(err.name).toBe(exported);
      expect(String(err)).toBe(`${exported}: msg`);
    }
  });

  test('errors are typed', () => {
    const a = make();
    expect(() => a.loadStateDict({ ...a.stateDict(), rule: 'sgd' })).toThrow(StateDictError);
  });
});

describe('bad input', () => {
  test.each<[string, () => unknown, RegExp, typeof InvalidOptionError | typeof TensorError]>([
    ['negative lr', () => new Adam({ w: [2] }, { lr: -1 }), /^Invalid learning rate: -1$/, InvalidOptionError],
    ['beta1 = 1', () => new Adam({ w: [2] }, { betas: [1, 0.999] }), /^Invalid beta parameter at index 0: 1.0$/, InvalidOptionError],
    ['beta2 < 0', () => new AdamW({ w: [2] }, { betas: [0.9, -0.1] }), /^Invalid beta parameter at index 1: -0.1$/, InvalidOptionError],
    ['negative eps', () => new Adam({ w: [2] }, { eps: -1e-8 }), /^Invalid epsilon value: -1e-8$/, InvalidOptionError],
    ['negative weight decay', () => new AdamW({ w: [2] }, { weightDecay: -0.1 }), /^Invalid weight_decay value: -0.1$/, InvalidOptionError],
    ['negative momentum', () => new SGD({ w: [2] }, { momentum: -0.5 }), /^Invalid momentum value: -0.5$/, InvalidOptionError],
    ['nesterov without momentum', () => new SGD({ w: [2] }, { nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/, InvalidOptionError],
    ['snake_case option', () => new Adam({ w: [2] }, { weight_decay: 0.1 } as never), /Unknown option 'weight_decay' for adam; did you mean 'weightDecay'\?/, InvalidOptionError],
    ['unknown option in a group', () => new SGD([{ params: { w: [2] }, lr: 0.1, momentun: 0.9 } as never]), /Unknown option 'momentun' for sgd/, InvalidOptionError],
    ['non-boolean flag', () => new Adam({ w: [2] }, { amsgrad: 1 } as never), /Invalid amsgrad: 1 \(expected true or false\)/, InvalidOptionError],
    ['NaN lr', () => new SGD({ w: [2] }, { lr: NaN }), /Invalid learning rate: NaN/, InvalidOptionError],
    ['a tensor in two groups', () => new SGD([{ params: { w: [2] } }, { params: { w: [3] } }]), /Tensor 'w' appears in more than one parameter group/, TensorError],
    ['a fractional shape', () => new SGD({ w: [2.5] }), /Invalid shape for tensor 'w': \[2.5\]/, TensorError],
    ['a Float64Array', () => new SGD({ w: new Float64Array(3) as never }), /Tensor 'w' must be a Float32Array, a shape array or \{ shape, data \}; got Float64Array/, TensorError],
    ['data of the wrong length', () => new SGD({ w: { shape: [2, 2], data: [1, 2, 3] } }), /data has 3 elements but shape \[2, 2\] needs 4/, TensorError],
    ['no groups', () => new SGD([]), /empty list of parameter groups/, TensorError],
  ])('%s', (_, make, message, type) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  test('unknown tensor and slot names', () => {
    const opt = new Adam({ w: [2] });
    expect(() => opt.param('v')).toThrow(/Unknown tensor 'v'; tensors: w/);
    expect(() => opt.state('w', 'momentum_buffer')).toThrow(/Unknown state slot 'momentum_buffer' for adam; this tensor's slots are: exp_avg, exp_avg_sq/);
    expect(() => opt.setGrad('w', [1, 2, 3])).toThrow(/Tensor 'w' has 2 elements; got 3 values/);
  });

  test.each<[string, (o: Adam) => void, RegExp]>([
    ['an invalid lr set between steps', (o) => { o.paramGroups[1].lr = -0.5; }, /Invalid learning rate: -0.5/],
    ['a misspelled option set between steps', (o) => { (o.paramGroups[0] as unknown as Record<string, number>).weight_decay = 0.1; }, /Unknown option 'weight_decay' for adam; did you mean 'weightDecay'/],
    ['amsgrad switched on without its slot', (o) => { o.paramGroups[0].amsgrad = true; }, /need state slot 'max_exp_avg_sq', which was not allocated/],
  ])('a step with %s throws and changes nothing in any group', (_, breakIt, message) => {
    const opt = new Adam([{ params: { w: [5] } }, { params: { b: [3] } }], { lr: 0.1 });
    fillGrads(opt, rng(5));
    opt.step();
    fillGrads(opt, rng(6));
    const before = snapshot(opt);
    breakIt(opt);
    expect(() => opt.step()).toThrow(message);
    expect(snapshot(opt)).toEqual(before);
    expect(opt.stepCount(0)).toBe(1);
  });
});
