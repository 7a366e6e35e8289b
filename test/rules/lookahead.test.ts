// Lookahead around edgeoptim rules: against a plain float64 simulation of Lookahead(SGD), the
// composite spec's kernel against its float64 reference (odd sizes, several inner rules), option
// checks, and state dict round trips.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, Lookahead, lookahead, StateDictError, type LookaheadOptions, type StateDict } from '../../src/index';
import { sgdSpec, type SGDOptions } from '../../src/rules/sgd';
import { adamSpec, type AdamOptions } from '../../src/rules/adam';
import { hvadamSpec } from '../../src/rules/hvadam';
import type { AnyRuleSpec } from '../../src/rules/spec';
import { checkKernelAgainstReference, expectAllClose, gaussian, ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

describe('Lookahead(SGD) against a plain float64 simulation', () => {
  test.each<[Partial<SGDOptions & LookaheadOptions> & { lr: number; lookaheadK: number; lookaheadAlpha: number }]>([
    [{ lr: 0.1, lookaheadK: 5, lookaheadAlpha: 0.5 }],
    [{ lr: 0.05, momentum: 0.9, lookaheadK: 3, lookaheadAlpha: 0.8 }],
    [{ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01, lookaheadK: 1, lookaheadAlpha: 0.3 }],
  ])('%j, two groups (the second with its own k and alpha)', (options) => {
    const rand = rng(3);
    const sizes = [[7, 1, 16], [5]];
    const init0 = sizes.map((ts) => ts.map((n) => randomArray(n, rand)));
    const opt = new Lookahead(sgdSpec, [
      { params: { a: init0[0][0], b: init0[0][1], c: init0[0][2] } },
      { params: { d: init0[1][0] }, lookaheadK: 2, lookaheadAlpha: 0.25, lr: 0.02 },
    ], options);
    // The simulation: θ fast, φ slow, SGD (torch semantics) inside, φ += α (θ − φ); θ = φ every k.
    const groups = [
      { names: ['a', 'b', 'c'], k: options.lookaheadK, alpha: options.lookaheadAlpha, lr: options.lr },
      { names: ['d'], k: 2, alpha: 0.25, lr: 0.02 },
    ];
    const mom = options.momentum ?? 0;
    const wd = options.weightDecay ?? 0;
    const sim = groups.map((g, gi) => ({
      theta: g.names.map((_, i) => Float64Array.from(init0[gi][i])),
      slow: g.names.map((_, i) => Float64Array.from(init0[gi][i])),
      buf: g.names.map((_, i) => new Float64Array(init0[gi][i].length)),
    }));
    const normal = gaussian(rng(9));
    for (let t = 1; t <= 13; t++) {
      groups.forEach((g, gi) => g.names.forEach((name, i) => {
        const grad = opt.grad(name);
        for (let j = 0; j < grad.length; j++) grad[j] = normal();
        const s = sim[gi];
        for (let j = 0; j < grad.length; j++) {
          const gr = grad[j] + wd * s.theta[i][j];
          let d = gr;
          if (mom) {
            s.buf[i][j] = t === 1 ? gr : mom * s.buf[i][j] + gr;
            d = options.nesterov ? gr + mom * s.buf[i][j] : s.buf[i][j];
          }
          s.theta[i][j] -= g.lr * d;
        }
        if (t % g.k === 0) {
          for (let j = 0; j < grad.length; j++) {
            s.slow[i][j] += g.alpha * (s.theta[i][j] - s.slow[i][j]);
            s.theta[i][j] = s.slow[i][j];
          }
        }
      }));
      opt.step();
      groups.forEach((g, gi) => g.names.forEach((name, i) => {
        expectAllClose(opt.param(name), sim[gi].theta[i], 1e-5, 1e-6, `step ${t} ${name} param`);
        expectAllClose(opt.state(name, 'slow_param'), sim[gi].slow[i], 1e-5, 1e-6, `step ${t} ${name} slow_param`);
      }));
      expect(opt.scalars(0).lookahead_step).toBe(t % groups[0].k);
      expect(opt.scalars(1).lookahead_step).toBe(t % 2);
    }
  });

  test('the slow weights start from the parameters at the first step, not at construction', () => {
    const opt = new Lookahead('sgd', { w: [4] }, { lr: 0.5, lookaheadK: 2, lookaheadAlpha: 0.5 });
    expect([...opt.state('w', 'slow_param')]).toEqual([0, 0, 0, 0]);
    opt.param('w').set([1, 2, 3, 4]); // written after construction, as users do
    opt.grad('w').set([1, 1, 1, 1]);
    opt.step();
    expect([...opt.state('w', 'slow_param')]).toEqual([1, 2, 3, 4]);
    expect([...opt.param('w')]).toEqual([0.5, 1.5, 2.5, 3.5]);
    opt.step(); // θ = (0, 1, 2, 3); sync: φ = φ + 0.5 (θ − φ) = (0.5, 1.5, 2.5, 3.5) = θ
    expect([...opt.param('w')]).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect([...opt.state('w', 'slow_param')]).toEqual([0.5, 1.5, 2.5, 3.5]);
  });
});

describe.each<[AnyRuleSpec, Record<string, unknown>]>([
  [sgdSpec, { lr: 0.05, momentum: 0.9, lookaheadK: 2 }],
  [adamSpec, { lr: 1e-2, lookaheadK: 3, lookaheadAlpha: 0.7 }],
  [hvadamSpec, { lr: 1e-2, lookaheadK: 2 }],
])('lookahead(%s) kernel vs float64 reference', (inner, options) => {
  const spec = lookahead(inner);
  test.each(ODD_SIZES)('one tensor of %i elements, packed', (n) => {
    checkKernelAgainstReference(spec, { groups: [[n]], options, config: { alignElements: 1 }, steps: 7 });
  });
  test('odd mix in two groups, aligned, per-group k and alpha', () => {
    checkKernelAgainstReference(spec, {
      groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lookaheadK: 1, lookaheadAlpha: 0.2 }], steps: 7,
    });
  });
});

describe('Lookahead options and construction', () => {
  test('defaults are the paper\'s k = 5, alpha = 0.5, next to the inner rule\'s', () => {
    const opt = new Lookahead(adamSpec, { w: [3] });
    expect(opt.rule).toBe('lookahead(adam)');
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, betas: [0.9, 0.999], lookaheadK: 5, lookaheadAlpha: 0.5 });
    expect(lookahead(adamSpec)).toBe(lookahead(adamSpec));
  });

  test.each([
    [{ lookaheadK: 0 }, /lookaheadK/],
    [{ lookaheadK: 2.5 }, /lookaheadK/],
    [{ lookaheadK: '5' }, /lookaheadK/],
    [{ lookaheadAlpha: -0.1 }, /lookaheadAlpha/],
    [{ lookaheadAlpha: 1.5 }, /lookaheadAlpha/],
    [{ lookaheadAlpha: NaN }, /lookaheadAlpha/],
    [{ lr: -1 }, /learning rate/],
    [{ k: 5 }, /Unknown option 'k'/],
  ])('rejects %j', (options, message) => {
    const make = () => new Lookahead(sgdSpec, { w: [3] }, options as Record<string, unknown>);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });

  test('a bad k assigned between steps is caught before anything is written', () => {
    const opt = new Lookahead(sgdSpec, { w: Float32Array.from([1, 2, 3]) }, { lr: 0.1 });
    opt.paramGroups[0].lookaheadK = 0;
    opt.grad('w').fill(1);
    expect(() => opt.step()).toThrow(InvalidOptionError);
    expect([...opt.param('w')]).toEqual([1, 2, 3]);
    expect(opt.stepCount()).toBe(0);
  });

  test('unknown rule names and nesting are rejected', () => {
    expect(() => new Lookahead('nope', { w: [3] })).toThrow(/Unknown rule 'nope'/);
    expect(() => lookahead(lookahead(sgdSpec))).toThrow(/cannot be nested/);
  });
});

describe('Lookahead state dict', () => {
  const toJson = <O,>(sd: StateDict<O>): StateDict<O> => JSON.parse(JSON.stringify(sd, (_, v) => (v instanceof Float32Array ? [...v] : v)));

  test('slow weights, the step counter and the inner state round-trip; the copy continues identically', () => {
    const make = () => new Lookahead(adamSpec, [{ params: { a: [5], b: [2, 2] } }, { params: { c: [3] }, lookaheadK: 2 }], { lr: 1e-2, lookaheadK: 5 });
    const opt = make();
    const rand = rng(21);
    for (const n of ['a', 'b', 'c']) opt.param(n).set(randomArray(opt.param(n).length, rand));
    const grads = Array.from({ length: 14 }, () => ['a', 'b', 'c'].map((n) => randomArray(opt.param(n).length, rand)));
    const stepWith = (o: Lookahead<AdamOptions>, t: number) => {
      ['a', 'b', 'c'].forEach((n, j) => o.grad(n).set(grads[t][j]));
      o.step();
    };
    for (let t = 0; t < 7; t++) stepWith(opt, t);
    const sd = opt.stateDict();
    expect(sd.rule).toBe('lookahead(adam)');
    expect(Object.keys(sd.state.a).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'lookahead_step', 'slow_param', 'step']);
    expect(sd.state.a).toMatchObject({ step: 7, lookahead_step: 2 });
    expect(sd.state.c).toMatchObject({ step: 7, lookahead_step: 1 });
    expect(sd.param_groups[1]).toMatchObject({ lookaheadK: 2, lookaheadAlpha: 0.5 });
    expect([...(sd.state.a.slow_param as Float32Array)]).toEqual([...opt.state('a', 'slow_param')]);

    const copy = make();
    for (const n of ['a', 'b', 'c']) copy.param(n).set(opt.param(n));
    copy.loadStateDict(toJson(sd));
    expect(copy.stateDict()).toEqual(sd);
    for (let t = 7; t < 14; t++) {
      stepWith(opt, t);
      stepWith(copy, t);
    }
    expect(copy.stateDict()).toEqual(opt.stateDict());
    for (const n of ['a', 'b', 'c']) expect([...copy.param(n)]).toEqual([...opt.param(n)]);
  });

  test('state dicts of the bare rule, or without the counter, are rejected', () => {
    const opt = new Lookahead(adamSpec, { w: [3] });
    opt.step();
    const sd = opt.stateDict();
    expect(() => opt.loadStateDict({ ...sd, rule: 'adam' })).toThrow(StateDictError);
    const { lookahead_step: _, ...rest } = sd.state.w;
    expect(() => opt.loadStateDict({ ...sd, state: { w: rest } })).toThrow(/lookahead_step/);
    const { slow_param: __, ...noSlow } = sd.state.w;
    expect(() => opt.loadStateDict({ ...sd, state: { w: noSlow } })).toThrow(/slow_param/);
  });
});
