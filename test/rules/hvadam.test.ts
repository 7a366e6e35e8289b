// HVAdam: the two-pass SIMD kernels (with their float64 group reduction) against the float64
// reference on odd sizes, Table 1 of the paper, restarts, the degenerate cases, the state dict,
// and the valley f(x, y) = 4|x − y| + |x + y| against Adam.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, HVAdam, init, InvalidOptionError, StateDictError } from '../../src/index';
import { Optimizer, type ArenaConfig } from '../../src/optimizer';
import { hvadamSpec, planHiddenStep, hvadamCoefficients, type HVAdamOptions } from '../../src/rules/hvadam';
import type { GroupVectors, Scalars } from '../../src/rules/spec';
import { expectAllClose, gaussian, ODD_SIZES, randomArray, rng } from '../helpers';

beforeAll(() => init());

/*
 * Tolerance. Every element of a step depends on the whole group through k and b, computed from four
 * sums. Element-wise, the float32 arithmetic is within a few ulps of the reference (η's ratio is
 * computed without cancellation), hence RTOL/ATOL as for Adam. The group part: the kernel's m̂ is
 * float32 (its 1 − β1 and 1/(1 − β1^t) are rounded too, so part of its error is systematic, up to
 * ~2^-23 relative) and it sums exact float32 products in float64; so its sums carry ~1e-7 relative
 * error. k = (Σv² − Σm̂v) / Σ(v − m̂)² amplifies that where v and m̂ are nearly parallel (the case
 * HVAdam is built for: a persistent trend). The bound
 *   |Δk| ≤ ε (|Σm̂v| + 2|k| (Σm̂² + |Σm̂v|)) / Σ(v − m̂)²,   ε = 2^-21 (8 float32 ulps),
 * is the first-order effect of a relative error ε in m̂; v_t = v + k (m̂ − v) then moves by
 * |Δk| |m̂_i − v_i| and θ by α2 b that much (plus α2 b |v_i| · 6 ln 10 (1 − β2) · 1e-6 from the cosine,
 * whose error the δ check bounds). The test adds these to ATOL + RTOL|e| per element and reports the
 * worst ratio and the worst conditioning seen.
 */
const RTOL = 1e-5;
const ATOL = 1e-6;
const EPS_M = 2 ** -21;

interface RunSpec {
  readonly groups: readonly (readonly number[])[];
  readonly options?: Partial<HVAdamOptions>;
  readonly steps?: number;
  readonly seed?: number;
  readonly config?: ArenaConfig;
  /** Gradients: a persistent direction plus noise, so the hidden vector has something to find. */
  readonly trend?: number;
  /** Reverse the trend every this many steps: m̂ swings through ~0, the cosine drops, v restarts. */
  readonly switchEvery?: number;
}

interface RunResult {
  readonly opt: Optimizer<HVAdamOptions>;
  /** Worst |a − e| / allowed over all elements and steps (≤ 1 passes). */
  readonly worst: number;
  /** Worst relative bound |Δk| / |k| used. */
  readonly worstKBound: number;
  readonly actions: string[];
}

function expectWithin(actual: Float32Array, expected: Float64Array, atol: number, extra: (i: number) => number, label: string): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (atol + RTOL * Math.abs(expected[i]) + extra(i));
    if (!(ratio <= 1)) throw new Error(`${label}[${i}]: ${actual[i]} vs ${expected[i]} (ratio ${ratio.toFixed(2)})`);
    worst = Math.max(worst, ratio);
  }
  return worst;
}

/** Runs kernel and reference side by side; the reference restarts from the kernel's state each step. */
function runAgainstReference(run: RunSpec): RunResult {
  const rand = rng(run.seed ?? 1);
  const normal = gaussian(rand);
  const params = run.groups.map((sizes, g) => ({
    params: Object.fromEntries(sizes.map((n, i) => [`g${g}t${i}`, randomArray(n, rand)])),
  }));
  const opt = new Optimizer(hvadamSpec, params, run.options ?? {}, run.config);
  const slotNames = ['exp_avg', 'exp_avg_var', 'last_v'];
  const trends = run.groups.map((sizes) => sizes.map((n) => randomArray(n, rand)));
  const beta2 = run.options?.betas?.[1] ?? 0.999;
  // Values that cancel (m crossing 0 after the trend reverses) keep errors of the gradients' size.
  const atol = ATOL * Math.max(1, run.trend ?? 0);
  const actions: string[] = [];
  let worst = 0;
  let worstKBound = 0;
  const steps = run.steps ?? 12;
  for (let step = 0; step < steps; step++) {
    if (run.switchEvery && step > 0 && step % run.switchEvery === 0) {
      for (const ts of trends) for (const t of ts) t.set(t.map((x) => -x));
    }
    const refs: { ref: GroupVectors<Float64Array>; scalars: Scalars; vPrev: Float64Array; invBc1: number; hiddenLr: number }[] = [];
    run.groups.forEach((sizes, g) => {
      sizes.forEach((n, i) => {
        const grad = opt.grad(`g${g}t${i}`);
        for (let k = 0; k < n; k++) grad[k] = (run.trend ?? 0) * trends[g][i][k] + normal();
      });
      const ref: GroupVectors<Float64Array> = {
        param: Float64Array.from(opt.slotView(g, 'param')),
        grad: Float64Array.from(opt.slotView(g, 'grad')),
        slots: Object.fromEntries(slotNames.map((s) => [s, Float64Array.from(opt.slotView(g, s))])),
      };
      const vPrev = Float64Array.from(ref.slots.last_v);
      const scalars: Scalars = { ...opt.scalars(g), step: opt.stepCount(g) + 1 };
      const o = opt.paramGroups[g];
      const c = hvadamSpec.coefficients(o, scalars);
      hvadamSpec.referenceStep(ref, o, c, scalars);
      refs.push({ ref, scalars, vPrev, invBc1: c.invBc1, hiddenLr: c.hiddenLr });
    });
    const before = run.groups.map((_, g) => opt.scalars(g));
    opt.step();
    run.groups.forEach((_, g) => {
      const { ref, scalars, vPrev, invBc1, hiddenLr } = refs[g];
      const label = `hvadam step ${step + 1} group ${g}`;
      const got = opt.scalars(g);
      // Decisions (reset / update / restart / skip) must agree exactly.
      expect({ t2: got.t2, restarts: got.restarts }, label).toEqual({ t2: scalars.t2, restarts: scalars.restarts });
      // δ moves by (1 − β2) cos per step; the cosine agrees to ~1e-7 (float32 m̂), so 1e-6 bounds it.
      expect(Math.abs(got.delta - scalars.delta), label).toBeLessThanOrEqual((1 - beta2) * 1e-6);
      expect(got.eps_sum).toBe(scalars.eps_sum);
      actions.push(got.t2 === 0 ? 'reset' : got.restarts > before[g].restarts ? 'restart' : got.t2 === before[g].t2 ? 'skip' : 'update');

      // The reference's sums and the error bound on k (see the comment at the top).
      const mhat = ref.slots.exp_avg.map((m) => m * invBc1);
      let mm = 0, mv = 0, dd = 0, vv = 0;
      for (let i = 0; i < mhat.length; i++) {
        mm += mhat[i] ** 2;
        mv += mhat[i] * vPrev[i];
        vv += vPrev[i] ** 2;
        dd += (vPrev[i] - mhat[i]) ** 2;
      }
      const hidden = scalars.t2 >= 1 || got.restarts > before[g].restarts;
      const k = dd > 0 ? (vv - mv) / dd : 0;
      const dk = hidden && dd > 0 ? (EPS_M * (Math.abs(mv) + 2 * Math.abs(k) * (mm + Math.abs(mv)))) / dd : 0;
      if (k !== 0) worstKBound = Math.max(worstKBound, dk / Math.abs(k));
      const b = scalars.t2 >= 1 ? hiddenLr * 10 ** (6 * scalars.delta - 3) : 0;
      const dv = (i: number) => dk * Math.abs(mhat[i] - vPrev[i]);
      worst = Math.max(
        worst,
        expectWithin(opt.slotView(g, 'param'), ref.param, atol, (i) => b * (dv(i) + Math.abs(ref.slots.last_v[i]) * 6 * Math.LN10 * (1 - beta2) * 1e-6), `${label} param`),
        expectWithin(opt.slotView(g, 'exp_avg'), ref.slots.exp_avg, atol, () => 0, `${label} exp_avg`),
        expectWithin(opt.slotView(g, 'exp_avg_var'), ref.slots.exp_avg_var, atol * atol, () => 0, `${label} exp_avg_var`),
        expectWithin(opt.slotView(g, 'last_v'), ref.slots.last_v, atol, dv, `${label} last_v`),
      );
    });
  }
  return { opt, worst, worstKBound, actions };
}

describe('HVAdam kernel vs float64 reference', () => {
  const variants: Partial<HVAdamOptions>[] = [
    { lr: 1e-2 },
    { lr: 1e-2, weightDecay: 0.1, maximize: true, gamma: 0.5, eps: 1e-8 },
    { lr: 1e-2, weightDecay: 0.1, weightDecouple: true, hiddenLrScale: 3, betas: [0.8, 0.99] },
  ];
  describe.each(variants)('%j', (options) => {
    test.each(ODD_SIZES)('one tensor of %i elements, packed (SIMD loop + scalar tail)', (n) => {
      const { actions } = runAgainstReference({ groups: [[n]], options, config: { alignElements: 1 }, trend: 1 });
      expect(actions[0]).toBe('reset');
    });
    test('odd mix of tensors in two groups, aligned arena', () => {
      runAgainstReference({ groups: [[...ODD_SIZES], [7, 2, 33]], options, trend: 1, seed: 3 });
    });
    test('odd mix packed unaligned', () => {
      runAgainstReference({ groups: [[5, 3, 1, 17, 1023]], options, config: { alignElements: 1 }, seed: 7, trend: 1 });
    });
  });

  test('every path (reset, hidden step, restart) agrees; worst error well inside the tolerance', () => {
    // β2 = 0.6 makes δ react within a few steps. A strong trend (100× the noise) that reverses makes
    // m̂ nearly antiparallel to v, so the cosine and δ̂ fall below 0.1: restarts, then resets. These
    // nearly collinear steps are also where k is worst conditioned.
    const seen = new Set<string>();
    let worst = 0;
    let worstKBound = 0;
    const runs: [number, number, number][] = [[11, 8, 3], [12, 8, 100], [13, 3, 100], [14, 1, 100]];
    for (const [seed, switchEvery, trend] of runs) {
      const r = runAgainstReference({
        groups: [[1023, 4097, 3], [17]], options: { lr: 1e-2, betas: [0.9, 0.6] }, steps: 40, seed, trend, switchEvery,
      });
      r.actions.forEach((a) => seen.add(a));
      worst = Math.max(worst, r.worst);
      worstKBound = Math.max(worstKBound, r.worstKBound);
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['reset', 'restart', 'update']));
    console.log(`HVAdam kernel vs reference: worst |a − e| / allowed = ${worst.toFixed(3)}; worst |Δk|/|k| bound ${worstKBound.toExponential(2)}`);
  });

  test('padding stays 0 in every slot and contributes nothing to the sums', () => {
    const { opt } = runAgainstReference({ groups: [[5, 3, 17]], options: { lr: 1e-2, weightDecay: 0.1 }, trend: 1, steps: 8 });
    const layout = opt.layout.groups[0];
    for (const slot of layout.slots) {
      const all = opt.slotView(0, slot);
      let cursor = 0;
      for (const t of layout.tensors) {
        for (let i = cursor; i < t.offset; i++) expect(all[i], `${slot}[${i}]`).toBe(0);
        cursor = t.offset + t.size;
      }
      for (let i = cursor; i < all.length; i++) expect(all[i], `${slot}[${i}]`).toBe(0);
    }
  });
});

/** Sets `grads` step by step on a 2-element tensor and returns m̂ and v after each step. */
function feed(opt: HVAdam, grads: [number, number][]): { mhat: number[][]; v: number[][]; scalars: Scalars[] } {
  const out = { mhat: [] as number[][], v: [] as number[][], scalars: [] as Scalars[] };
  for (const g of grads) {
    opt.grad('xy').set(g);
    opt.step();
    const t = opt.stepCount();
    out.mhat.push([...opt.state('xy', 'exp_avg')].map((m) => m / (1 - 0.9 ** t)));
    out.v.push([...opt.state('xy', 'last_v')]);
    out.scalars.push(opt.scalars());
  }
  return out;
}

describe('HVAdam on the paper\'s examples', () => {
  test('Table 1: alternating valley gradients give the hidden vector (1, 1) at step 2', () => {
    const opt = new HVAdam({ xy: [2] }, { lr: 0 });
    const g: [number, number][] = [[5, -3], [-3, 5], [5, -3], [-3, 5], [5, -3]];
    const { mhat, v } = feed(opt, g);
    // Table 1's m̂ (its step-2 m̂_y is printed as −1.2105; β1 = 0.9 gives +1.2105, as at step 4,
    // and only +1.2105 puts the foot of the perpendicular at (1, 1) as the table says).
    const table = [[5, -3], [0.7895, 1.2105], [2.3432, -0.3432], [0.7895, 1.2105], [1.8177, 0.1823]];
    mhat.forEach((m, i) => expectAllClose(m, table[i], 0, 1e-4, `m̂ at step ${i + 1}`));
    expectAllClose(v[0], [5, -3], 0, 1e-6, 'v at step 1');
    for (let i = 1; i < 5; i++) expectAllClose(v[i], [1, 1], 0, 1e-5, `v at step ${i + 1}`);
  });

  test('a restart: cos < 0.1 ends the hidden vector, which restarts from m̂ on the next step', () => {
    const opt = new HVAdam({ xy: [2] }, { lr: 1e-3 });
    // Step 1: v = m̂ = (1, 0). Step 2: m̂ = (−2, 0.1), so the line through v and m̂ passes 0.033 from
    // the origin: cos⟨v_2, m̂⟩ = 0.033/2 and δ̂_1 = cos < 0.1.
    opt.grad('xy').set([1, 0]);
    opt.step();
    expect(opt.scalars()).toMatchObject({ t2: 0, restarts: 0, delta: 0 });
    const p2 = [...opt.param('xy')];
    opt.grad('xy').set([-4.7, 0.19]);
    opt.step();
    const s2 = opt.scalars();
    expect(s2).toMatchObject({ t2: -1, restarts: 1 });
    const cos = s2.delta / (1 - 0.999);
    expect(cos).toBeGreaterThan(0);
    expect(cos).toBeLessThan(0.1);
    expect(cos).toBeCloseTo(0.1 / Math.hypot(3, 0.1) / Math.hypot(2, 0.1), 5);
    // v moved to the foot of the perpendicular (paper, line 17), but no hidden-vector step was taken:
    // the parameter moved by exactly the Adam-like term (m̂/(sqrt(ŝ)+ε) has |·| ≤ ~1/(1−β1) here).
    const foot = [0.1 * 0.1 / (9 + 0.01), 0.1 * 3 / (9 + 0.01)];
    expectAllClose([...opt.state('xy', 'last_v')], foot, 1e-4, 1e-7, 'v on the restart step');
    const moved = [...opt.param('xy')].map((p, i) => p - p2[i]);
    expect(Math.max(...moved.map(Math.abs))).toBeLessThan(1e-2);
    // Step 3 re-initializes: v = m̂_3 exactly, δ = 0, t2 = 0.
    opt.grad('xy').set([0.5, 0.5]);
    opt.step();
    expect(opt.scalars()).toMatchObject({ t2: 0, restarts: 1, delta: 0 });
    const invBc1 = Math.fround(1 / (1 - 0.9 ** 3));
    const mhat = [...opt.state('xy', 'exp_avg')].map((m) => Math.fround(m * invBc1));
    expect([...opt.state('xy', 'last_v')]).toEqual(mhat);
    // Step 4 continues the new hidden vector.
    opt.grad('xy').set([0.4, 0.6]);
    opt.step();
    expect(opt.scalars()).toMatchObject({ t2: 1, restarts: 1 });
  });

  test('constant gradient: v = m̂ (k = 0), cos = 1, b = 10^(6δ−3) grows', () => {
    const opt = new HVAdam({ xy: [2] }, { lr: 1e-3 });
    const { scalars, v } = feed(opt, Array.from({ length: 50 }, (): [number, number] => [0.3, -0.2]));
    scalars.slice(1).forEach((s, i) => {
      expect(s.t2).toBe(i + 1);
      expect(s.delta).toBeCloseTo(1 - 0.999 ** (i + 1), 9);
    });
    expectAllClose(v[49], [0.3, -0.2], 1e-6, 0, 'v');
  });

  test('a first gradient of zeros: no NaN; cos = 0 restarts the hidden vector', () => {
    const opt = new HVAdam({ w: [3] }, { lr: 1e-2 });
    opt.step(); // zero gradient: v = m̂ = 0
    opt.grad('w').set([1, -2, 0.5]);
    opt.step();
    expect(opt.scalars()).toMatchObject({ t2: -1, restarts: 1, delta: 0 });
    opt.step();
    expect(opt.scalars()).toMatchObject({ t2: 0, restarts: 1 });
    for (const x of opt.param('w')) expect(Number.isFinite(x)).toBe(true);
  });

  test('|cos| > 1 beyond rounding skips the hidden-vector part (official guard); rounding is clamped', () => {
    const o = { ...hvadamSpec.defaults };
    const s: Scalars = { step: 5, t2: 3, delta: 0.5, eps_sum: 0, restarts: 0 };
    const c = hvadamCoefficients(o, s); // t2 → 4
    // Impossible sums (Σm̂v > ‖m̂‖‖v‖, as from overflowing values) give |cos| > 1: nothing changes
    // but t2 goes back.
    const skip = planHiddenStep(o, c, s, { mm: 1, mv: 2, vv: 1, dd: 0 });
    expect(skip.action).toBe('skip');
    expect(s).toMatchObject({ t2: 3, delta: 0.5 });
    // v = m̂ (dd = 0): cos = 1 up to rounding; the step goes on with cos = 1.
    const s2: Scalars = { step: 5, t2: 3, delta: 0.5, eps_sum: 0, restarts: 0 };
    const c2 = hvadamCoefficients(o, s2);
    const same = planHiddenStep(o, c2, s2, { mm: 2, mv: 2 * (1 + 1e-15), vv: 2, dd: 0 });
    expect(same).toMatchObject({ action: 'update', k: 0, cos: 1 });
    expect(s2.delta).toBeCloseTo(0.999 * 0.5 + 0.001, 15);
    expect(same.hiddenStep).toBeCloseTo(1e-3 * 10 ** (6 * s2.delta - 3), 15);
  });
});

describe('HVAdam options and state', () => {
  test('defaults', () => {
    expect(hvadamSpec.defaults).toEqual({
      lr: 1e-3, hiddenLrScale: 1, betas: [0.9, 0.999], eps: 1e-16, gamma: 0, weightDecay: 0, weightDecouple: false, maximize: false,
    });
  });

  test.each([
    [{ lr: -1 }, /learning rate/],
    [{ betas: [1, 0.9] }, /beta parameter at index 0/],
    [{ eps: -1 }, /epsilon/],
    [{ gamma: -0.1 }, /gamma/],
    [{ hiddenLrScale: -1 }, /hiddenLrScale/],
    [{ weightDecay: -1 }, /weight_decay/],
    [{ weightDecouple: 1 }, /weightDecouple/],
  ])('rejects %j', (options, message) => {
    expect(() => new HVAdam({ w: [3] }, options as Partial<HVAdamOptions>)).toThrow(InvalidOptionError);
    expect(() => new HVAdam({ w: [3] }, options as Partial<HVAdamOptions>)).toThrow(message);
  });

  test('state dict round trip: scalars and slots, then identical steps', () => {
    const rand = rng(5);
    const make = () => new HVAdam([{ params: { a: [7], b: [2, 3] } }, { params: { c: [5] }, lr: 3e-3 }], { lr: 1e-2, betas: [0.9, 0.7] });
    const opt = make();
    for (const n of ['a', 'b', 'c']) opt.param(n).set(randomArray(opt.param(n).length, rand));
    const trend = randomArray(18, rand);
    const grads = (k: number) => {
      const normal = gaussian(rng(100 + k));
      return ['a', 'b', 'c'].map((n, j) => Float32Array.from(opt.param(n), (_, i) => 2 * trend[j * 6 + i] + normal()));
    };
    const stepWith = (o: HVAdam, k: number) => {
      grads(k).forEach((g, j) => o.grad(['a', 'b', 'c'][j]).set(g));
      o.step();
    };
    for (let k = 0; k < 9; k++) stepWith(opt, k);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state.a).sort()).toEqual(['delta', 'eps_sum', 'exp_avg', 'exp_avg_var', 'last_v', 'restarts', 'step', 't2']);
    expect(sd.state.a.step).toBe(9);
    expect(sd.state.a.t2).toBe(opt.scalars(0).t2);
    expect(sd.state.c.delta).toBe(opt.scalars(1).delta);
    const copy = make();
    for (const n of ['a', 'b', 'c']) copy.param(n).set(opt.param(n));
    copy.loadStateDict(JSON.parse(JSON.stringify(sd, (_, v) => (v instanceof Float32Array ? [...v] : v))));
    expect(copy.scalars(0)).toEqual(opt.scalars(0));
    expect(copy.scalars(1)).toEqual(opt.scalars(1));
    for (let k = 9; k < 15; k++) {
      stepWith(opt, k);
      stepWith(copy, k);
    }
    for (const n of ['a', 'b', 'c']) {
      expect([...copy.param(n)]).toEqual([...opt.param(n)]);
      expect([...copy.state(n, 'last_v')]).toEqual([...opt.state(n, 'last_v')]);
    }
    expect(copy.scalars(0)).toEqual(opt.scalars(0));
    // A state dict without the group scalars is rejected.
    const broken = opt.stateDict();
    const { t2: _, ...rest } = broken.state.a;
    expect(() => copy.loadStateDict({ ...broken, state: { ...broken.state, a: rest } })).toThrow(StateDictError);
  });
});

describe('HVAdam on the valley f(x, y) = 4|x − y| + |x + y| (paper, Figure 1)', () => {
  const f = (x: number, y: number) => 4 * Math.abs(x - y) + Math.abs(x + y);
  function descend(opt: HVAdam | Adam, steps: number) {
    const xy = opt.param('xy');
    const trace: { f: number; v?: number[]; delta?: number }[] = [];
    for (let t = 0; t < steps; t++) {
      const a = Math.sign(xy[0] - xy[1]);
      const b = Math.sign(xy[0] + xy[1]);
      opt.grad('xy').set([4 * a + b, -4 * a + b]);
      opt.step();
      const s = opt.scalars();
      trace.push({ f: f(xy[0], xy[1]), v: opt.rule === 'hvadam' ? [...opt.state('xy', 'last_v')] : undefined, delta: s.delta });
    }
    return trace;
  }
  const firstBelow = (trace: { f: number }[], level: number) => trace.findIndex((e) => e.f < level) + 1;

  test.each([
    [[5, 4.9], 1e-2, 3000],
    [[10, 9.5], 1e-2, 5000],
    [[2, 1.9], 1e-3, 10000],
    [[-3, -2.9], 1e-2, 3000],
    [[3, -2.5], 1e-2, 3000],
  ])('from %j with lr %f: HVAdam reaches f < 0.1 in fewer steps than Adam', (x0, lr, steps) => {
    const hv = descend(new HVAdam({ xy: Float32Array.from(x0) }, { lr }), steps);
    const adam = descend(new Adam({ xy: Float32Array.from(x0) }, { lr }), steps);
    const hvSteps = firstBelow(hv, 0.1);
    const adamSteps = firstBelow(adam, 0.1);
    console.log(`valley from (${x0}) lr ${lr}: f < 0.1 after HVAdam ${hvSteps}, Adam ${adamSteps} steps; ` +
      `final f HVAdam ${hv[steps - 1].f.toFixed(4)}, Adam ${adam[steps - 1].f.toFixed(4)}`);
    expect(hvSteps).toBeGreaterThan(0);
    expect(adamSteps).toBeGreaterThan(0);
    expect(hvSteps).toBeLessThan(0.8 * adamSteps);
  });

  test('on the valley floor the hidden vector is (1, 1) and the descent along it accelerates', () => {
    const hv = descend(new HVAdam({ xy: Float32Array.from([5, 4.9]) }, { lr: 1e-2 }), 860);
    // The zigzag starts at step 5; from then on v = (1, 1), the valley's direction: every m̂ lies on
    // the line x + y = 2 and the foot of the perpendicular from 0 to it is (1, 1). In float32 v wanders
    // off by ~2^-24 / |m̂ − v|, which gets large on the steps where m̂ passes close to v.
    let off = 0;
    for (let t = 5; t < 850; t++) off = Math.max(off, ...hv[t].v!.map((x) => Math.abs(x - 1)));
    console.log(`valley: max |v − (1, 1)| over steps 6–850 = ${off.toExponential(2)}`);
    expect(off).toBeLessThan(1e-2);
    // δ grows, so b = 10^(6δ − 3) grows: the drop of f per 200 steps increases.
    const drops = [100, 300, 500, 700].map((t) => hv[t].f - hv[t + 150].f);
    for (let i = 1; i < drops.length; i++) expect(drops[i]).toBeGreaterThan(drops[i - 1]);
    expect(hv[800].delta!).toBeGreaterThan(hv[200].delta!);
  });
});
