// Checkpoints of a DeviceOptimizer without a GPU (Node: every group falls back to wasm): the bytes
// are the core format, load into a core Optimizer and continue exactly; a bad file changes nothing.
// The same round trip with groups on WebGPU is test/gpu/checkpoint.cases.mjs (`npm run test:gpu`).
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../../src/wasm/loader';
import { Optimizer } from '../../src/optimizer';
import { RULES } from '../../src/rules/index';
import { CheckpointError } from '../../src/errors';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/checkpoint';
import { createOptimizer, type DeviceGroupInput } from '../../src/webgpu/device-optimizer';
import { loadDeviceCheckpoint, saveDeviceCheckpoint } from '../../src/webgpu/index';
import type { AdamOptions } from '../../src/rules/adam';
import { randomArray, rng } from '../helpers';

beforeAll(async () => {
  await init();
});

const SHAPES: DeviceGroupInput<AdamOptions>[] = [{ params: { w: [5, 7], b: [7] } }, { params: { v: [33] }, lr: 0.1 }];
const NAMES = ['w', 'b', 'v'];
const SIZES: Record<string, number> = { w: 35, b: 7, v: 33 };

/** The gradients of step s (1-based), the same for every optimizer. */
function gradsOf(s: number): Record<string, Float32Array> {
  const rand = rng(100 + s);
  return Object.fromEntries(NAMES.map((n) => [n, randomArray(SIZES[n], rand)]));
}

const counter = () => {
  let n = 0;
  return { tick: () => n++, get n() { return n; }, stateDict: () => ({ n }), loadStateDict: (s: { n: number }) => { n = s.n; } };
};

describe('DeviceOptimizer checkpoints (wasm fallback)', () => {
  it('saves bytes a core Optimizer loads and continues from, identical to an uninterrupted run', async () => {
    const dev = await createOptimizer<AdamOptions>('adam', SHAPES.map((g): DeviceGroupInput<AdamOptions> => ({ ...g, backend: 'webgpu' })), { lr: 0.01 });
    const ref = new Optimizer(RULES.adam, SHAPES, { lr: 0.01 });
    for (const n of NAMES) {
      const init0 = randomArray(SIZES[n], rng(7));
      ref.setParam(n, init0);
      dev.setParam(n, init0);
    }
    const sched = counter();
    for (let s = 1; s <= 6; s++) {
      const g = gradsOf(s);
      for (const n of NAMES) {
        ref.setGrad(n, g[n]);
        dev.setGrad(n, g[n]);
      }
      ref.step();
      await dev.step();
      sched.tick();
    }
    const bytes = await saveDeviceCheckpoint(dev, { schedule: sched, metadata: { note: 'x' } });
    // The same bytes as the core writes for the same state.
    expect(bytes).toEqual(saveCheckpoint(ref, { schedule: sched, metadata: { note: 'x' } }));

    const resumed = new Optimizer(RULES.adam, SHAPES, { lr: 0.5 });
    const sched2 = counter();
    expect(loadCheckpoint(bytes, resumed, { schedule: sched2 })).toEqual({ note: 'x' });
    expect(sched2.n).toBe(6);
    for (let s = 7; s <= 10; s++) {
      const g = gradsOf(s);
      for (const n of NAMES) {
        ref.setGrad(n, g[n]);
        resumed.setGrad(n, g[n]);
      }
      ref.step();
      resumed.step();
    }
    for (const n of NAMES) expect(resumed.param(n)).toEqual(ref.param(n));
    expect(resumed.stateDict()).toEqual(ref.stateDict());

    // And back: the core's bytes into a fresh DeviceOptimizer, with gradients.
    const dev2 = await createOptimizer<AdamOptions>('adam', SHAPES, { lr: 0.5 });
    const sched3 = counter();
    await loadDeviceCheckpoint(saveCheckpoint(ref, { grads: true, schedule: sched }), dev2, { schedule: sched3 });
    expect(sched3.n).toBe(6);
    expect(dev2.paramGroups[1].lr).toBe(0.1);
    for (const n of NAMES) {
      expect(await dev2.readParam(n)).toEqual(ref.param(n));
      expect(await dev2.readGrad(n)).toEqual(ref.grad(n));
    }
    expect(await dev2.stateDict()).toEqual(ref.stateDict());
    expect(await saveDeviceCheckpoint(dev2, { grads: true })).toEqual(saveCheckpoint(ref, { grads: true }));
  });

  it('rejects a truncated or mismatched file with CheckpointError and leaves the DeviceOptimizer unchanged', async () => {
    const dev = await createOptimizer<AdamOptions>('adam', SHAPES, { lr: 0.01 });
    for (let s = 1; s <= 3; s++) {
      const g = gradsOf(s);
      for (const n of NAMES) dev.setGrad(n, g[n]);
      await dev.step();
    }
    const before = await dev.stateDict();
    const params = await Promise.all(NAMES.map((n) => dev.readParam(n)));
    const other = await createOptimizer<AdamOptions>('adam', SHAPES, { lr: 0.3 });
    const good = await saveDeviceCheckpoint(other);
    const sched = counter();
    sched.tick();
    const bad: [Uint8Array, string][] = [
      [good.subarray(0, good.length - 10), 'truncated'],
      [good.subarray(0, 5), 'truncated'],
      [saveCheckpoint(new Optimizer(RULES.adam, { w: [5, 7] }, {})), 'mismatch'],
      [saveCheckpoint(new Optimizer(RULES.sgd, SHAPES, { lr: 0.1 })), 'rule'],
    ];
    for (const [bytes, reason] of bad) {
      const err = await loadDeviceCheckpoint(bytes, dev, { schedule: sched }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).reason).toBe(reason);
    }
    // A schedule the file lacks: also rejected before anything changes.
    await expect(loadDeviceCheckpoint(good, dev, { schedule: sched })).rejects.toThrow(CheckpointError);
    expect(sched.n).toBe(1);
    expect(await dev.stateDict()).toEqual(before);
    for (const [i, n] of NAMES.entries()) expect(await dev.readParam(n)).toEqual(params[i]);
    expect(dev.stepCount(0)).toBe(3);
  });
});
