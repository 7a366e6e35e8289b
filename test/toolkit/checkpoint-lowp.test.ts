// Checkpoints of low-precision optimizer state: stored as held (BF16 bits, 8-bit codes + block
// scales), so save → load → continue is bit-exact, and mismatches are typed errors.
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, init, Optimizer } from '../../src/index';
import { CheckpointError } from '../../src/errors';
import { crc32, decodeSafetensors, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/index';
import { randomArray, rng } from '../helpers';

beforeAll(() => init());

const make = (statePrecision: 'float32' | 'bfloat16' | 'int8') =>
  new Adam([{ params: { w: [64, 80], b: [300] } }, { params: { c: [17] }, lr: 3e-3 }], { lr: 1e-2, statePrecision, int8MinElements: 256 });

function steps(opt: Optimizer<object>, seed: number, n: number): void {
  const rand = rng(seed);
  for (let s = 0; s < n; s++) {
    for (const t of opt.tensorNames) opt.grad(t).set(randomArray(opt.grad(t).length, rand, 0.1));
    opt.step();
  }
}

describe.each(['bfloat16', 'int8'] as const)('%s state', (precision) => {
  test('is stored in its storage dtype and a resumed run continues bit for bit', () => {
    const a = make(precision);
    steps(a, 1, 5);
    const bytes = saveCheckpoint(a);
    const file = decodeSafetensors(bytes);
    const expected = precision === 'bfloat16' ? ['BF16', 'BF16'] : ['I8', 'U8'];
    const header = JSON.parse(file.headerText);
    expect([header['state.w.exp_avg'].dtype, header['state.w.exp_avg_sq'].dtype]).toEqual(expected);
    if (precision === 'int8') {
      expect(header['state.w.exp_avg.absmax']).toMatchObject({ dtype: 'F32', shape: [Math.ceil((64 * 80) / 256)] });
      expect(file.metadata.state_codec).toBe('edgeoptim-q8-block256-v1');
    }
    const b = make(precision);
    loadCheckpoint(bytes, b);
    steps(a, 2, 4);
    steps(b, 2, 4);
    for (const t of a.tensorNames) {
      expect(b.param(t)).toEqual(a.param(t));
      expect(b.stateRaw(t, 'exp_avg_sq')).toEqual(a.stateRaw(t, 'exp_avg_sq'));
    }
  });

  test('loading into a float32 optimizer is a typed mismatch that changes nothing', () => {
    const a = make(precision);
    steps(a, 1, 2);
    const bytes = saveCheckpoint(a);
    const f = make('float32');
    steps(f, 3, 1);
    const before = f.stateDict();
    expect(() => loadCheckpoint(bytes, f)).toThrow(CheckpointError);
    expect(f.stateDict()).toEqual(before);
  });
});

test('8-bit codes of an unknown codec are refused, even in a well-formed file', () => {
  const a = make('int8');
  steps(a, 1, 1);
  const bytes = saveCheckpoint(a);
  // Rewrite the codec name (same length) and re-sign the file as the writer does, so only the
  // codec check can object.
  const text = new TextDecoder('latin1').decode(bytes);
  const edited = bytes.slice();
  edited.set(new TextEncoder().encode('edgeoptim-q8-block256-v9'), text.indexOf('edgeoptim-q8-block256-v1'));
  const digits = text.indexOf('"crc32":"') + 9;
  let c = crc32(edited.subarray(0, digits));
  c = crc32(new TextEncoder().encode('00000000'), c);
  c = crc32(edited.subarray(digits + 8), c);
  edited.set(new TextEncoder().encode(c.toString(16).padStart(8, '0')), digits);
  const b = make('int8');
  expect(() => loadCheckpoint(edited, b)).toThrow(CheckpointError);
  expect(() => loadCheckpoint(edited, b)).toThrow(/codec "edgeoptim-q8-block256-v9"; this build reads edgeoptim-q8-block256-v1/);
});
