// Long-run behaviour of the WebGPU path: live GPU buffers must not grow while an optimizer steps,
// reads state and takes snapshots (nothing allocated per step is left behind). Counted by wrapping
// GPUDevice.prototype.createBuffer and GPUBuffer.prototype.destroy. Runtime-agnostic like
// cases.mjs; test:gpu runs a short soak, `deno run -A bench/soak-gpu.mjs` a long one.

let counter;

/** Installs the buffer counter once per realm; returns it. */
export function bufferCounter() {
  if (counter) return counter;
  const deviceProto = globalThis.GPUDevice?.prototype;
  const bufferProto = globalThis.GPUBuffer?.prototype;
  if (!deviceProto || !bufferProto) throw new Error('no GPUDevice/GPUBuffer in this runtime');
  const state = { live: 0, created: 0 };
  const dead = new WeakSet();
  const create = deviceProto.createBuffer;
  deviceProto.createBuffer = function (descriptor) {
    const buffer = create.call(this, descriptor);
    state.live++;
    state.created++;
    return buffer;
  };
  const destroy = bufferProto.destroy;
  bufferProto.destroy = function () {
    if (!dead.has(this)) {
      dead.add(this);
      state.live--;
    }
    return destroy.call(this);
  };
  counter = state;
  return counter;
}

/**
 * Steps Adam on WebGPU (two groups, gradients uploaded from Float32Arrays, a state read every
 * `readEvery` steps) and reports live GPU buffers after `warmup` steps and at the end.
 */
export async function soakGpu(ctx, { steps, warmup = 20, readEvery = 50, elements = 4096, memory } = {}) {
  const { gpu, ort } = ctx;
  const count = bufferCounter();
  const dev = await gpu.createOptimizer(
    'adam',
    [{ params: { w: [elements], b: [17] } }, { params: { c: [elements / 2] }, lr: 3e-3 }],
    { lr: 1e-3 },
    { backend: 'webgpu', ort },
  );
  try {
    if (dev.backendOf(0) !== 'webgpu') throw new Error(`not on WebGPU: ${JSON.stringify(dev.explain())}`);
    const grads = Object.fromEntries(['w', 'b', 'c'].map((n) => [n, new Float32Array(n === 'w' ? elements : n === 'b' ? 17 : elements / 2)]));
    let seed = 1;
    const refill = () => {
      for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] = ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 1e-2;
    };
    let atWarmup = 0;
    let memoryAfterWarmup;
    const memorySamples = [];
    const t0 = performance.now();
    for (let s = 1; s <= steps; s++) {
      refill();
      for (const [n, g] of Object.entries(grads)) await dev.setGrad(n, g);
      await dev.step();
      if (s % readEvery === 0) {
        await dev.readParam('w');
        await dev.stateDict();
      }
      if (s === warmup) {
        atWarmup = count.live;
        memoryAfterWarmup = memory?.();
      }
      if (memory && s % Math.max(1, Math.floor(steps / 10)) === 0) memorySamples.push(memory());
    }
    await dev.readParam('w');
    const end = count.live;
    const finite = (await dev.readParam('w')).every(Number.isFinite);
    return {
      steps, liveAfterWarmup: atWarmup, liveAtEnd: end, created: count.created, seconds: (performance.now() - t0) / 1000, finite,
      memoryAfterWarmup, memoryAtEnd: memory?.(), memorySamples,
    };
  } finally {
    dev.dispose();
  }
}

export function makeSoakCases(ctx) {
  return [{
    name: 'soak: live GPU buffers stay constant over 300 steps with state reads',
    fn: async () => {
      const r = await soakGpu(ctx, { steps: 300 });
      if (!r.finite) throw new Error('parameters went non-finite');
      if (r.liveAtEnd !== r.liveAfterWarmup) {
        throw new Error(`live GPU buffers grew from ${r.liveAfterWarmup} after warm-up to ${r.liveAtEnd} after ${r.steps} steps`);
      }
      return `${r.liveAfterWarmup} live buffers after warm-up, ${r.liveAtEnd} after ${r.steps} steps (${r.created} created in all), ${(r.steps / r.seconds).toFixed(0)} steps/s`;
    },
  }];
}
