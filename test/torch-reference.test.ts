// Every registered rule against torch's own trajectories (test/fixtures/torch/<rule>.json, written by
// test/fixtures/gen_torch_reference.py): the wasm step against torch's float32 run, and the rule's
// float64 referenceStep against torch's float64 run, after every one of 50 steps, with two groups,
// a per-group lr and an lr change halfway. Rules not registered yet show up as todos.
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from '../src/wasm/loader';
import { Optimizer } from '../src/optimizer';
import { RULES } from '../src/rules/index';
import type { AnyRuleSpec, GroupVectors, Scalars } from '../src/rules/spec';
import { expectAllClose } from './helpers';

type Tensors = Record<string, number[]>;

interface TorchRun {
  /** Every tensor after each step. */
  readonly params: Tensors[];
  /** torch's per-tensor state after the last step: element-wise slots and scalars (step, eta, ...). */
  readonly finalState: Record<string, Record<string, number | number[]>>;
}

interface TorchCase {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly groupOptions: Record<string, unknown>[];
  readonly shapes: Record<string, number[]>[];
  readonly init: Tensors;
  readonly lrChanges: { afterStep: number; group: number; lr: number }[];
  readonly grads: Tensors[];
  readonly float32: TorchRun;
  readonly float64: TorchRun;
}

interface TorchFixture {
  readonly generator: string;
  readonly torch: string;
  readonly rule: string;
  readonly cases: TorchCase[];
}

/** float32 wasm vs torch float32: rounding differs per operation, so errors of ~1e-7 compound over 50 steps. */
const F32_TOL = 2e-5;
/** float64 referenceStep vs torch float64: only the order of operations differs. */
const F64_TOL = 1e-10;

const FIXTURE_DIR = new URL('./fixtures/torch/', import.meta.url);
const fixtures: TorchFixture[] = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.json') && f !== 'schedules.json')
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, FIXTURE_DIR), 'utf8')) as TorchFixture);

/** The fixture's inputs are float32 values; read them back exactly (the text is the shortest form). */
const exactF32 = (xs: readonly number[]): Float64Array => Float64Array.from(Float32Array.from(xs));

function groupsOf(c: TorchCase) {
  return c.shapes.map((shapes, g) => ({
    ...c.groupOptions[g],
    params: Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [n, { shape, data: Float32Array.from(c.init[n]) }])),
  }));
}

function applyLrChanges(opt: Optimizer<Record<string, unknown>>, c: TorchCase, afterStep: number): void {
  for (const ch of c.lrChanges) if (ch.afterStep === afterStep) opt.paramGroups[ch.group].lr = ch.lr;
}

/** The scalar state torch keeps per tensor that we keep per group (step, mu_product, eta, mu, ...). */
function checkScalars(scalars: Scalars, expected: Record<string, number | number[]>, tol: number, label: string): void {
  for (const [key, value] of Object.entries(expected)) {
    if (typeof value === 'number' && key in scalars) expectAllClose([scalars[key]], [value], tol, tol, `${label} ${key}`);
  }
}

function replayFloat32(spec: AnyRuleSpec, c: TorchCase, label: string): void {
  const opt = new Optimizer(spec, groupsOf(c), c.options);
  c.grads.forEach((grads, s) => {
    for (const [n, g] of Object.entries(grads)) opt.grad(n).set(g);
    opt.step();
    for (const [n, expected] of Object.entries(c.float32.params[s])) {
      expectAllClose(opt.param(n), expected, F32_TOL, F32_TOL, `${label} float32 step ${s + 1} param ${n}`);
    }
    applyLrChanges(opt, c, s + 1);
  });
  opt.layout.groups.forEach((gl, g) => {
    for (const t of gl.tensors) {
      const expected = c.float32.finalState[t.name];
      for (const [key, value] of Object.entries(expected)) {
        if (Array.isArray(value) && gl.slots.includes(key) && key !== 'param' && key !== 'grad') {
          expectAllClose(opt.state(t.name, key), value, F32_TOL, F32_TOL, `${label} float32 final state ${t.name}.${key}`);
        }
      }
      checkScalars(opt.scalars(g), expected, F32_TOL, `${label} float32 final state ${t.name}`);
    }
  });
}

function replayFloat64(spec: AnyRuleSpec, c: TorchCase, label: string): void {
  // The optimizer only supplies the layout, the live options (lr changes land there) and the
  // initial scalars; the steps are the rule's float64 reference over whole group vectors.
  const opt = new Optimizer(spec, groupsOf(c), c.options);
  const groups = opt.layout.groups.map((gl, g) => {
    const o = opt.paramGroups[g];
    const param = new Float64Array(gl.slotLength);
    for (const t of gl.tensors) param.set(exactF32(c.init[t.name]), t.offset);
    const slots = Object.fromEntries(spec.slots(o).map((s) => [s.name, new Float64Array(gl.slotLength).fill(s.init ?? 0)]));
    const x: GroupVectors<Float64Array> = { param, grad: new Float64Array(gl.slotLength), slots };
    return { x, scalars: opt.scalars(g) };
  });
  c.grads.forEach((grads, s) => {
    opt.layout.groups.forEach((gl, g) => {
      const ref = groups[g];
      for (const t of gl.tensors) ref.x.grad.set(exactF32(grads[t.name]), t.offset);
      const o = opt.paramGroups[g];
      const scalars: Scalars = { ...ref.scalars, step: ref.scalars.step + 1 };
      const coef = spec.coefficients(o, scalars);
      spec.referenceStep(ref.x, o, coef, scalars);
      ref.scalars = scalars;
      for (const t of gl.tensors) {
        expectAllClose(
          ref.x.param.subarray(t.offset, t.offset + t.size), c.float64.params[s][t.name],
          F64_TOL, F64_TOL, `${label} float64 step ${s + 1} param ${t.name}`,
        );
      }
    });
    applyLrChanges(opt, c, s + 1);
  });
  opt.layout.groups.forEach((gl, g) => {
    const ref = groups[g];
    for (const t of gl.tensors) {
      const expected = c.float64.finalState[t.name];
      for (const [key, value] of Object.entries(expected)) {
        if (Array.isArray(value) && key in ref.x.slots) {
          expectAllClose(
            ref.x.slots[key].subarray(t.offset, t.offset + t.size), value,
            F64_TOL, F64_TOL, `${label} float64 final state ${t.name}.${key}`,
          );
        }
      }
      checkScalars(ref.scalars, expected, F64_TOL, `${label} float64 final state ${t.name}`);
    }
  });
}

beforeAll(() => init());

test('the torch fixtures are present and well-formed', () => {
  expect(fixtures.map((f) => f.rule)).toEqual(
    ['adadelta', 'adagrad', 'adam', 'adamax', 'adamw', 'asgd', 'nadam', 'radam', 'rmsprop', 'rprop', 'sgd'],
  );
  for (const f of fixtures) {
    expect(f.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of f.cases) {
      expect(c.grads.length).toBe(50);
      expect(c.float32.params.length).toBe(c.grads.length);
      expect(c.float64.params.length).toBe(c.grads.length);
    }
  }
});

for (const fx of fixtures) {
  const spec = RULES[fx.rule];
  describe(`${fx.rule} vs torch ${fx.torch}`, () => {
    for (const c of fx.cases) {
      const label = `${fx.rule} '${c.name}'`;
      if (!spec) {
        test.todo(`${c.name} (rule '${fx.rule}' is not registered in RULES yet)`);
        continue;
      }
      test(`${c.name}: wasm float32 steps match torch float32`, () => replayFloat32(spec, c, label));
      test(`${c.name}: float64 referenceStep matches torch float64`, () => replayFloat64(spec, c, label));
    }
  });
}
