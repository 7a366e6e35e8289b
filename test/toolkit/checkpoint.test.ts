// Checkpoint file format: safetensors layout, CRC-32, round trips, and typed errors for truncated,
// corrupted, wrong-version, wrong-rule and mismatched files (the optimizer is left untouched).
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, CheckpointError, init, ReduceLROnPlateau, SGD, StepLR } from '../../src/index';
import { crc32, decodeSafetensors, encodeSafetensors, loadCheckpoint, readCheckpoint, saveCheckpoint } from '../../src/checkpoint/index';
import { AveragedModel } from '../../src/toolkit/averaging';
import { randomArray, rng } from '../helpers';

beforeAll(() => init());

const text = (s: string) => new TextEncoder().encode(s);

function trained(seed = 1, amsgrad = false) {
  const rand = rng(seed);
  const opt = new Adam(
    [{ params: { 'layer.0.weight': { shape: [3, 4] }, 'layer.0.bias': [4] } }, { params: { emb: { shape: [5, 2] } }, lr: 3e-3 }],
    { lr: 1e-2, amsgrad },
  );
  for (const n of opt.tensorNames) opt.param(n).set(randomArray(opt.param(n).length, rand));
  for (let s = 0; s < 3; s++) {
    for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
    opt.step();
  }
  return opt;
}

const snapshot = (opt: Adam) => ({
  params: opt.tensorNames.map((n) => [...opt.param(n)]),
  state: JSON.stringify(opt.stateDict(), (_k, v) => (v instanceof Float32Array ? [...v] : v)),
});

function expectCheckpointError(fn: () => unknown, reasons: readonly string[]): CheckpointError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    expect(reasons).toContain((err as CheckpointError).reason);
    return err as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('CRC-32', () => {
  test('standard check values', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(text('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    const bytes = text('checksums in two pieces give the same value');
    expect(crc32(bytes.subarray(7), crc32(bytes.subarray(0, 7)))).toBe(crc32(bytes));
  });
});

describe('safetensors container', () => {
  test('a file built by hand from the spec decodes; our encoder writes the same layout', () => {
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}';
    const h = text(header);
    const file = new Uint8Array(8 + h.length + 12);
    new DataView(file.buffer).setBigUint64(0, BigInt(h.length), true);
    file.set(h, 8);
    const dv = new DataView(file.buffer, 8 + h.length);
    [1.5, -2, 3.25].forEach((x, i) => dv.setFloat32(4 * i, x, true));
    const d = decodeSafetensors(file);
    expect(d.metadata).toEqual({ k: 'v' });
    expect([...d.tensors.get('a')!.data]).toEqual([1.5, -2]);
    expect(d.tensors.get('b')!.shape).toEqual([1, 1]);

    const ours = encodeSafetensors(new Map([['a', { shape: [2], data: new Float32Array([1.5, -2]) }], ['b', { shape: [1, 1], data: new Float32Array([3.25]) }]]), { k: 'v' });
    const n = Number(new DataView(ours.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(new TextDecoder().decode(ours.subarray(8, 8 + n)).trimEnd()).toBe(header);
    expect([...ours.subarray(8 + n)]).toEqual([...file.subarray(8 + h.length)]);
  });
  test('structural problems are typed', () => {
    const bad = (header: string, data = 0) => {
      const h = text(header);
      const f = new Uint8Array(8 + h.length + data);
      new DataView(f.buffer).setBigUint64(0, BigInt(h.length), true);
      f.set(h, 8);
      return f;
    };
    expectCheckpointError(() => decodeSafetensors(bad('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 4)), ['truncated']);
    expectCheckpointError(() => decodeSafetensors(bad('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 12)), ['corrupted']);
    expectCheckpointError(() => decodeSafetensors(bad('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12)), ['corrupted']);
    expectCheckpointError(() => decodeSafetensors(bad('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', 4)), ['format']);
    expectCheckpointError(() => decodeSafetensors(bad('{"__metadata__":{"n":1}}')), ['corrupted']);
    expectCheckpointError(() => decodeSafetensors(bad('{"a":')), ['corrupted']);
  });
});

describe('checkpoint', () => {
  test('layout: param/state tensors with declared shapes, string metadata, a valid checksum', () => {
    const opt = trained();
    const bytes = saveCheckpoint(opt, { metadata: { run: 'demo' } });
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()].sort()).toEqual([
      'param.emb', 'param.layer.0.bias', 'param.layer.0.weight',
      'state.emb.exp_avg', 'state.emb.exp_avg_sq', 'state.layer.0.bias.exp_avg', 'state.layer.0.bias.exp_avg_sq',
      'state.layer.0.weight.exp_avg', 'state.layer.0.weight.exp_avg_sq',
    ]);
    expect(file.tensors.get('param.layer.0.weight')!.shape).toEqual([3, 4]);
    expect([...file.tensors.get('state.emb.exp_avg')!.data]).toEqual([...opt.state('emb', 'exp_avg')]);
    expect(Object.values(file.metadata).every((v) => typeof v === 'string')).toBe(true);
    expect(file.metadata).toMatchObject({ format: 'edgeoptim.checkpoint', format_version: '1', rule: 'adam', 'user.run': 'demo' });
    expect(JSON.parse(file.metadata.state_scalars)['layer.0.bias']).toEqual({ step: 3 });
    expect(JSON.parse(file.metadata.param_groups)[1]).toMatchObject({ lr: 3e-3, params: ['emb'] });
    const ck = readCheckpoint(bytes);
    expect(ck.userMetadata).toEqual({ run: 'demo' });
    expect(file.metadata.crc32).toMatch(/^[0-9a-f]{8}$/);
  });

  test('round trip into a fresh optimizer: params, slots, steps and hyperparameters bit for bit', () => {
    const opt = trained();
    opt.paramGroups[0].lr = 0.123;
    const fresh = trained(99);
    loadCheckpoint(saveCheckpoint(opt), fresh);
    expect(snapshot(fresh)).toEqual(snapshot(opt));
    expect(fresh.stepCount(1)).toBe(3);
    expect(fresh.paramGroups[0].lr).toBe(0.123);
  });

  test('schedule and components (Infinity, Float32Array leaves) round-trip; grads on request', () => {
    const opt = trained();
    const plateau = new ReduceLROnPlateau(opt, { patience: 2 });
    const avg = new AveragedModel(opt, { strategy: 'ema', decay: 0.5 });
    avg.updateParameters();
    for (const n of opt.tensorNames) opt.grad(n).fill(0.5);
    const bytes = saveCheckpoint(opt, { schedule: plateau, components: { ema: avg }, grads: true });
    const opt2 = trained(5);
    const plateau2 = new ReduceLROnPlateau(opt2, { patience: 2 });
    const avg2 = new AveragedModel(opt2, { strategy: 'ema', decay: 0.5 });
    loadCheckpoint(bytes, opt2, { schedule: plateau2, components: { ema: avg2 } });
    expect(plateau2.best).toBe(Infinity);
    expect([...avg2.param('emb')!]).toEqual([...avg.param('emb')!]);
    expect([...opt2.grad('emb')]).toEqual(new Array(10).fill(0.5));
  });

  test('truncated files: typed error at every kind of cut, optimizer untouched', () => {
    const bytes = saveCheckpoint(trained());
    const target = trained(7);
    const before = snapshot(target);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    for (const cut of [0, 3, 8, 20, 8 + n - 1, 8 + n, 8 + n + 5, bytes.length - 1]) {
      expectCheckpointError(() => loadCheckpoint(bytes.subarray(0, cut), target), ['truncated']);
    }
    expect(snapshot(target)).toEqual(before);
  });

  test('bit flips anywhere are caught (checksum over the whole file); optimizer untouched', () => {
    const bytes = saveCheckpoint(trained());
    const target = trained(7);
    const before = snapshot(target);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const rand = rng(3);
    const positions = [...Array.from({ length: 300 }, () => Math.floor(rand() * bytes.length)), 0, 7, 8, 8 + n - 1, bytes.length - 1];
    for (const pos of positions) {
      const flipped = bytes.slice();
      flipped[pos] ^= 1 << Math.floor(rand() * 8);
      // A flip in the length prefix reads as truncation or a bad header; in the version digit, as another version.
      const reasons = pos < 8 ? ['truncated', 'corrupted'] : ['corrupted', 'version', 'format'];
      const err = expectCheckpointError(() => loadCheckpoint(flipped, target), reasons);
      if (pos >= 8 + n) expect(err.reason).toBe('corrupted');
    }
    expect(snapshot(target)).toEqual(before);
  });

  test('wrong format version, not a checkpoint, wrong rule', () => {
    const bytes = saveCheckpoint(trained());
    const s = new TextDecoder().decode(bytes.subarray(0, 400));
    const at = s.indexOf('"format_version":"1"') + '"format_version":"'.length;
    const v2 = bytes.slice();
    v2[at] = '2'.charCodeAt(0);
    expect(expectCheckpointError(() => loadCheckpoint(v2, trained()), ['version']).message).toMatch(/version "2"; this build reads version 1/);
    const plain = encodeSafetensors(new Map([['x', { shape: [1], data: new Float32Array([1]) }]]), {});
    expectCheckpointError(() => readCheckpoint(plain), ['format']);
    const sgd = new SGD({ 'layer.0.weight': [3, 4], 'layer.0.bias': [4] }, { lr: 0.1 });
    expect(expectCheckpointError(() => loadCheckpoint(bytes, sgd), ['rule']).message).toMatch(/rule 'adam'; this optimizer is 'sgd'/);
  });

  test('mismatched shapes, tensors, groups or state slots; nothing changes', () => {
    const bytes = saveCheckpoint(trained());
    const reshaped = new Adam([{ params: { 'layer.0.weight': { shape: [4, 3] }, 'layer.0.bias': [4] } }, { params: { emb: [5, 2] } }]);
    expect(expectCheckpointError(() => loadCheckpoint(bytes, reshaped), ['mismatch']).message).toMatch(/'layer.0.weight' has shape \[3, 4\] in the checkpoint but \[4, 3\] here/);
    const renamed = new Adam([{ params: { w: [3, 4], 'layer.0.bias': [4] } }, { params: { emb: [5, 2] } }]);
    expectCheckpointError(() => loadCheckpoint(bytes, renamed), ['mismatch']);
    expectCheckpointError(() => loadCheckpoint(bytes, new Adam({ 'layer.0.weight': [3, 4], 'layer.0.bias': [4], emb: [5, 2] })), ['mismatch']);
    const ams = trained(4, true);
    const before = snapshot(ams);
    expect(expectCheckpointError(() => loadCheckpoint(bytes, ams), ['mismatch']).message).toMatch(/max_exp_avg_sq/);
    expect(snapshot(ams)).toEqual(before);
  });

  test('a failing schedule load rolls the optimizer back', () => {
    const opt = trained();
    const bytes = saveCheckpoint(opt, { schedule: new StepLR(opt, { stepSize: 2 }) });
    const target = trained(8);
    const before = snapshot(target);
    const wrongKind = new ReduceLROnPlateau(target);
    expectCheckpointError(() => loadCheckpoint(bytes, target, { schedule: wrongKind }), ['mismatch']);
    expect(snapshot(target)).toEqual(before);
    expectCheckpointError(() => loadCheckpoint(bytes, target, { components: { ema: new AveragedModel(target) } }), ['mismatch']);
  });
});
