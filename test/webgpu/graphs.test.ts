// The WebGPU path without a GPU: every rule graph runs on ONNX Runtime's CPU backend (Node) and
// must match the wasm kernel step for step; the protobuf encoder's bytes; the dispatcher's
// choices; and DeviceOptimizer's CPU path where WebGPU is absent (Node has no navigator.gpu).
// The same graphs on real WebGPU adapters are tested by `npm run test:gpu` (test/gpu/).
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { init } from '../../src/wasm/loader';
import { Optimizer } from '../../src/optimizer';
import { RULES } from '../../src/rules/index';
import type { AnyRuleSpec } from '../../src/rules/spec';
import { ProtoWriter } from '../../src/onnx/proto';
import { GraphBuilder } from '../../src/onnx/graph';
import { GRAPHS } from '../../src/webgpu/graphs/index';
import { buildRuleModel, buildRuleModels } from '../../src/webgpu/runtime';
import { decide, estimate, type CostModel, type GroupFacts } from '../../src/webgpu/dispatch';
import { createOptimizer, type DeviceGroupInput } from '../../src/webgpu/device-optimizer';
import type { AdamOptions } from '../../src/rules/adam';
import { closeness, randomArray, rng } from '../helpers';

beforeAll(async () => {
  await init();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

/** Option sets for a rule: its defaults, each boolean flipped, decay and momentum on (the valid ones). */
function variants(spec: AnyRuleSpec): Record<string, unknown>[] {
  const base: Record<string, unknown> = { ...spec.defaults };
  if (typeof base.lr === 'number') base.lr = 0.01;
  const out = [base];
  const has = (k: string) => k in base;
  const everything: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(base)) {
    if (typeof v === 'boolean') {
      out.push({ ...base, [k]: !v });
      everything[k] = true;
    }
    if (k === 'weightDecay') out.push({ ...base, weightDecay: 0.02 });
    if (k === 'momentum') {
      out.push({ ...base, momentum: 0.9, ...(has('dampening') ? { dampening: 0.1 } : {}) });
      if (has('nesterov')) out.push({ ...base, momentum: 0.9, nesterov: true });
      everything.momentum = 0.9;
    }
  }
  if (has('weightDecay')) everything.weightDecay = 0.02;
  out.push(everything);
  return out.filter((o) => {
    try {
      spec.validate(o);
      return true;
    } catch {
      return false;
    }
  });
}

const cpuTensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

/** Per-rule relative tolerance where the GPU path is less exact by design (HVAdam: float32 group sums). */
const RTOL: Record<string, number> = { hvadam: 1e-4 };

describe('rule graphs on ONNX Runtime (CPU) match the wasm kernels', () => {
  for (const rule of Object.keys(GRAPHS)) {
    const spec = RULES[rule];
    it(`${rule}: registered, and every option variant matches for 5 steps from identical state`, async () => {
      expect(spec, `graph '${rule}' has no rule in RULES`).toBeDefined();
      for (const o of variants(spec)) {
        const rand = rng(3);
        const opt = new Optimizer(spec, { a: randomArray(37, rand), b: randomArray(130, rand), c: [3] }, o);
        const models = buildRuleModels(spec, o);
        const first = await ort.InferenceSession.create(models.first.bytes);
        const second = models.second ? await ort.InferenceSession.create(models.second.bytes) : null;
        const slots = opt.layout.groups[0].slots;
        const n = opt.layout.groups[0].slotLength;
        const graph = GRAPHS[rule];
        const feedsOf = (names: readonly string[], values: Readonly<Record<string, number>>) =>
          Object.fromEntries(names.map((name) => [name, cpuTensor(new Float32Array([values[name]]), [])]));
        for (let step = 1; step <= 5; step++) {
          for (const name of opt.tensorNames) opt.grad(name).set(randomArray(opt.grad(name).length, rand));
          // The executor's logic on ORT's CPU backend: pass 1, sums, the host's plan, pass 2.
          const state: Record<string, Float32Array> = {};
          for (const s of slots) state[s] = opt.slotView(0, s).slice();
          const scalars = { ...opt.scalars(0), step: opt.stepCount(0) + 1 };
          const coef = spec.coefficients(opt.paramGroups[0], scalars);
          const vectors = (names: readonly string[]) => Object.fromEntries(names.map((s) => [s, cpuTensor(state[s], [n])]));
          const out1 = await first.run({ ...vectors(slots), ...feedsOf(models.first.scalarInputs, graph.scalars(coef, opt.paramGroups[0])) });
          for (const s of ['param', ...models.first.outSlots]) state[s] = out1[`${s}_out`].data as Float32Array;
          if (second && graph.second) {
            const sums = Object.fromEntries(models.first.sums.map((s) => [s, Number(out1[s].data[0])]));
            const values = graph.second.plan(opt.paramGroups[0], coef, scalars, sums);
            if (values) {
              const out2 = await second.run({ ...vectors(slots.filter((s) => s !== 'grad')), ...feedsOf(models.second!.scalarInputs, values) });
              for (const s of ['param', ...models.second!.outSlots]) state[s] = out2[`${s}_out`].data as Float32Array;
            }
          }
          opt.step();
          for (const s of slots.filter((x) => x !== 'grad')) {
            const worst = closeness(state[s], opt.slotView(0, s), RTOL[rule] ?? 1e-6, 1e-7);
            expect(worst, `${rule} ${JSON.stringify(o)} step ${step} slot ${s}`).toBeLessThanOrEqual(1);
          }
          // Group scalars: exact for element-wise rules; HVAdam's δ comes from float32 sums here.
          const got = opt.scalars(0);
          expect(Object.keys(got).sort()).toEqual(Object.keys(scalars).sort());
          for (const [key, value] of Object.entries(got)) {
            expect(closeness([(scalars as Record<string, number>)[key]], [value], RTOL[rule] ?? 0, 0), `${rule} scalar ${key}`).toBeLessThanOrEqual(1);
          }
        }
        await second?.release();
        const session = first;
        await session.release();
      }
    });
  }
});

describe('ONNX encoder', () => {
  it('writes protobuf varints, floats and nested messages', () => {
    const w = new ProtoWriter();
    w.int(1, 300).float(2, 1.5).string(3, 'ab').message(4, (m) => m.int(1, 1));
    expect([...w.finish()]).toEqual([0x08, 0xac, 0x02, 0x15, 0x00, 0x00, 0xc0, 0x3f, 0x1a, 0x02, 0x61, 0x62, 0x22, 0x02, 0x08, 0x01]);
  });

  it('builds a graph ONNX Runtime runs: constants, Max via Where, ReduceSum to a scalar', async () => {
    const g = new GraphBuilder('t');
    const x = g.vector('x');
    const s = g.scalar('s');
    g.output('y', g.max(g.mul(x, s), 0.5));
    g.output('sum', g.reduceSum(x));
    g.output('same', x);
    const session = await ort.InferenceSession.create(g.encode());
    expect([...session.inputNames]).toEqual(['x', 's']);
    const out = await session.run({ x: cpuTensor(Float32Array.from([1, -2, 0.1]), [3]), s: cpuTensor(Float32Array.from([2]), []) });
    expect([...(out.y.data as Float32Array)]).toEqual([2, 0.5, 0.5]);
    expect(out.sum.dims).toEqual([]);
    expect(out.sum.data[0]).toBeCloseTo(-0.9, 6);
    expect([...(out.same.data as Float32Array)]).toEqual([1, -2, Math.fround(0.1)]);
  });

  it('a rule model is small', () => {
    const { bytes } = buildRuleModel(RULES.adam, { ...RULES.adam.defaults, amsgrad: true });
    expect(bytes.length).toBeLessThan(2048);
  });
});

describe('dispatcher', () => {
  const model: CostModel = { cpuNsPerElement: 2, gpuFixedMs: 0.2, gpuNsPerElement: 0.05, transferNsPerElement: 1, source: 'given' };
  const facts = (slotLength: number, dataOn: 'cpu' | 'gpu' = 'cpu'): GroupFacts => ({ group: 0, rule: 'adam', slotLength, chunks: 1, dataOn, hasGraph: true });

  it('auto follows the cost model and says why', () => {
    expect(decide(facts(1024), 'auto', { model }).backend).toBe('wasm');
    const big = decide(facts(1 << 20), 'auto', { model });
    expect(big.backend).toBe('webgpu');
    expect(big.reasons[0]).toMatch(/estimated .* on webgpu vs .* on wasm/);
    expect(big.estimateMs).toEqual(estimate(facts(1 << 20), model));
    expect(decide(facts(1 << 17, 'gpu'), 'auto', { model }).backend).toBe('webgpu');
    expect(decide(facts(1 << 17, 'cpu'), 'auto', { model }).backend).toBe('wasm');
  });

  it('low-precision state stays on wasm even when webgpu is requested, and says why', () => {
    for (const requested of ['auto', 'webgpu'] as const) {
      const e = decide({ ...facts(1 << 22), statePrecision: 'bfloat16' }, requested, { model });
      expect(e.backend).toBe('wasm');
      expect(e.reasons[0]).toBe('state is stored as bfloat16; the WebGPU graphs run float32 state');
    }
  });

  it('forced, unavailable and graph-less choices', () => {
    expect(decide(facts(1 << 20), 'wasm', { model }).backend).toBe('wasm');
    expect(decide(facts(16), 'webgpu', { model }).backend).toBe('webgpu');
    const off = decide(facts(1 << 20), 'webgpu', { unavailable: 'navigator.gpu is absent' });
    expect(off.backend).toBe('wasm');
    expect(off.reasons[0]).toMatch(/unavailable: navigator.gpu is absent/);
    const none = decide({ ...facts(1 << 20), hasGraph: false, rule: 'x' }, 'auto', { model });
    expect(none.backend).toBe('wasm');
    expect(none.reasons[0]).toMatch(/no WebGPU graph/);
  });
});

describe('DeviceOptimizer without WebGPU (Node)', () => {
  it('runs every group on wasm with no error, explains why, and writes the core state dict format', async () => {
    const groups: DeviceGroupInput<AdamOptions>[] = [{ params: { w: [5, 7], b: [7] } }, { params: { v: [33] }, lr: 0.1, backend: 'webgpu' }];
    const dev = await createOptimizer<AdamOptions>('adam', groups, { lr: 0.01 });
    const ref = new Optimizer(RULES.adam, [{ params: { w: [5, 7], b: [7] } }, { params: { v: [33] }, lr: 0.1 }], { lr: 0.01 });
    expect([dev.backendOf(0), dev.backendOf(1)]).toEqual(['wasm', 'wasm']);
    expect(dev.explain(0).reasons[0]).toMatch(/WebGPU is unavailable/);
    expect(dev.explain(1).requested).toBe('webgpu');
    const rand = rng(9);
    for (let s = 0; s < 3; s++) {
      for (const name of ref.tensorNames) {
        const g = randomArray(ref.grad(name).length, rand);
        ref.setGrad(name, g);
        dev.setGrad(name, g);
      }
      ref.step();
      await dev.step();
    }
    const a = await dev.stateDict();
    const b = ref.stateDict();
    expect(a.param_groups).toEqual(b.param_groups);
    for (const name of ref.tensorNames) {
      expect(a.state[name]).toEqual(b.state[name]);
      expect(await dev.readParam(name)).toEqual(ref.param(name));
    }
    const moved = await dev.moveTo('webgpu');
    expect(moved.map((e) => e.backend)).toEqual(['wasm', 'wasm']);
    await dev.loadStateDict(b);
    expect(dev.stepCount(1)).toBe(3);
  });

  it('rejects bad placement options', async () => {
    await expect(createOptimizer('adam', { w: [3] }, {}, { backend: 'gpu' as never })).rejects.toThrow(/Invalid backend: gpu/);
    await expect(createOptimizer('nope', { w: [3] })).rejects.toThrow(/Unknown rule 'nope'/);
    await expect(createOptimizer('adam', [{ params: { w: [3] } }, { params: { w: [2] } }])).rejects.toThrow(/more than one parameter group/);
  });
});
