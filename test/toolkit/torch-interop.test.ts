// examples/load_in_torch.py against torch 1.13 (Debian's /usr/bin/python3): a checkpoint written
// here loads into torch.optim through load_state_dict, and one more step with the saved gradients
// gives torch the same parameters and state as our next step. Skipped when torch is unavailable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, Optimizer, RULES } from '../../src/index';
import { decodeSafetensors, saveCheckpoint } from '../../src/checkpoint/index';
import { expectAllClose, randomArray, rng } from '../helpers';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
const reason = hasTorch ? '' : ` — skipped: '${PYTHON} -c "import torch"' failed (${(probe.error?.message ?? probe.stderr ?? '').trim().split('\n').pop()})`;

// Cases whose torch 1.13 behaviour equals ours (see test/fixtures/torch/README.md).
const CASES: [string, Record<string, unknown>][] = [
  ['sgd', { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ['adam', { lr: 0.01, weightDecay: 0.1, amsgrad: true }],
  ['adamw', { lr: 0.01, weightDecay: 0.5 }],
  ['adagrad', { lr: 0.05, lrDecay: 0.01 }],
  ['rmsprop', { lr: 0.005, centered: true, momentum: 0.8 }],
  ['adamax', { lr: 0.01 }],
  ['adadelta', {}],
];

let dir = '';
beforeAll(async () => {
  await init();
  dir = mkdtempSync(join(tmpdir(), 'edgeoptim-torch-'));
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTorch)(`load_in_torch.py with torch${reason}`, () => {
  test('every rule torch has: load_state_dict, then one step matches ours', () => {
    const runs = CASES.filter(([rule]) => RULES[rule]).map(([rule, options], k) => {
      const rand = rng(100 + k);
      const opt = new Optimizer(RULES[rule], [
        { params: { 'fc.weight': { shape: [3, 5] }, 'fc.bias': [5] } },
        { params: { 'out.weight': { shape: [2, 3] } }, lr: 0.003 },
      ], options);
      for (const n of opt.tensorNames) opt.param(n).set(randomArray(opt.param(n).length, rand));
      for (let s = 0; s < 4; s++) {
        for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
        opt.step();
      }
      for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
      const file = join(dir, `${rule}.safetensors`);
      writeFileSync(file, saveCheckpoint(opt, { grads: true }));
      opt.step();
      return { rule, opt, file, out: join(dir, `${rule}.torch.safetensors`) };
    });
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const script = [
      'import sys, warnings',
      "sys.path.insert(0, 'examples')",
      "warnings.simplefilter('error')",
      'from load_in_torch import main',
      'args = sys.argv[1:]',
      'for i in range(0, len(args), 2): main([args[i], "--step", args[i + 1]])',
    ].join('\n');
    const py = spawnSync(PYTHON, ['-c', script, ...runs.flatMap((r) => [r.file, r.out])], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    // The summary line main() prints for each file.
    expect(py.stdout).toMatch(/adam\.safetensors: Adam, 3 tensors in 2 groups, step \[4\], lr \[0\.01, 0\.003\]/);
    for (const { rule, opt, out } of runs) {
      const torchFile = decodeSafetensors(new Uint8Array(readFileSync(out)));
      for (const name of opt.tensorNames) {
        expectAllClose(opt.param(name), torchFile.tensors.get(`param.${name}`)!.data, 1e-5, 1e-7, `${rule} param ${name}`);
        for (const slot of opt.layout.groups.flatMap((g) => g.slots).filter((s) => s !== 'param' && s !== 'grad')) {
          const t = torchFile.tensors.get(`state.${name}.${slot}`);
          expect(t, `${rule}: torch has state '${slot}' for ${name}`).toBeDefined();
          expectAllClose(opt.state(name, slot), t!.data, 1e-5, 1e-7, `${rule} ${slot} ${name}`);
        }
      }
    }
  });

  test.each(['bfloat16', 'int8'] as const)('%s state is widened/decoded to the values our state() reads', (statePrecision) => {
    const opt = new Optimizer(RULES.adam, { w: [40, 30], b: [7] }, { lr: 0.01, statePrecision, int8MinElements: 256 });
    const rand = rng(9);
    for (let s = 0; s < 4; s++) {
      for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
      opt.step();
    }
    const file = join(dir, `adam-${statePrecision}.safetensors`);
    writeFileSync(file, saveCheckpoint(opt));
    const script = [
      'import sys, json; sys.path.insert(0, "examples"); import load_in_torch as L',
      'params, opt, meta = L.load_checkpoint(sys.argv[1])',
      'names = list(params)',
      'print(json.dumps({n: {k: opt.state[params[n]][k].reshape(-1).tolist() for k in ("exp_avg", "exp_avg_sq")} for n in names}))',
    ].join('\n');
    const py = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, Record<string, number[]>>;
    for (const n of opt.tensorNames) {
      for (const slot of ['exp_avg', 'exp_avg_sq']) expectAllClose(Float32Array.from(got[n][slot]), opt.state(n, slot), 1e-6, 0, `${n}.${slot}`);
    }
  });
});

