// Checkpoints of a DeviceOptimizer with groups on WebGPU: saved after 20 steps, loaded into a fresh
// WebGPU optimizer (both continue 10 steps: bit-equal to the uninterrupted run, same backend and
// same kernels) and into a wasm Optimizer (the same bytes; within TRAJECTORY_TOL of WebGPU after 10
// more steps); and a wasm checkpoint loaded onto WebGPU. Runtime-agnostic like cases.mjs.
import { TRAJECTORY_TOL } from './cases.mjs';

const SHAPES = { w: [1000], b: [17], c: [300] };
const groupsOf = () => [{ params: { w: SHAPES.w, b: SHAPES.b } }, { params: { c: SHAPES.c }, lr: 3e-3 }];
const sizeOf = (n) => SHAPES[n][0];
const NAMES = Object.keys(SHAPES);

/** Deterministic gradients for step s. */
function gradsOf(s) {
  let seed = 1000 + s;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  return Object.fromEntries(NAMES.map((n) => [n, Float32Array.from({ length: sizeOf(n) }, () => next() * 1e-2)]));
}

const counter = () => {
  const c = { n: 0, stateDict: () => ({ n: c.n }), loadStateDict: (s) => { c.n = s.n; } };
  return c;
};

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function maxRelDiff(a, e) {
  let d = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    d = Math.max(d, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return d / (scale || 1);
}

function bitEqual(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function makeCheckpointCases(ctx) {
  const { eo, gpu, ort } = ctx;
  const onGpu = (options) => gpu.createOptimizer('adam', groupsOf(), options, { backend: 'webgpu', ort });
  const stepDev = async (dev, s) => {
    const g = gradsOf(s);
    for (const n of NAMES) dev.setGrad(n, g[n]);
    await dev.step();
  };
  const stepCpu = (opt, s) => {
    const g = gradsOf(s);
    for (const n of NAMES) opt.setGrad(n, g[n]);
    opt.step();
  };
  return [{
    name: 'checkpoint: Adam on WebGPU saved at step 20 resumes bit-equal on WebGPU and loads into wasm',
    fn: async () => {
      const a = await onGpu({ lr: 1e-2 });
      const b = await onGpu({ lr: 0.5 });
      const d = await onGpu({ lr: 0.5 });
      try {
        assert(a.backendOf(0) === 'webgpu' && a.backendOf(1) === 'webgpu', `not on WebGPU: ${JSON.stringify(a.explain())}`);
        const sched = counter();
        for (let s = 1; s <= 20; s++) {
          await stepDev(a, s);
          sched.n++;
        }
        const bytes = await gpu.saveDeviceCheckpoint(a, { schedule: sched, metadata: { at: '20' } });
        const at20 = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await a.readParam(n)])));

        const sched2 = counter();
        const user = await gpu.loadDeviceCheckpoint(bytes, b, { schedule: sched2 });
        assert(user.at === '20' && sched2.n === 20, `metadata ${JSON.stringify(user)}, schedule ${sched2.n}`);
        assert(b.stepCount(0) === 20 && b.paramGroups[0].lr === 1e-2 && b.paramGroups[1].lr === 3e-3, 'step count or options not restored');
        for (const n of NAMES) assert(bitEqual(await b.readParam(n), at20[n]), `'${n}' differs right after loading`);

        const cpu = new eo.Optimizer(eo.RULES.adam, groupsOf(), { lr: 0.5 });
        eo.loadCheckpoint(bytes, cpu);
        for (const n of NAMES) assert(bitEqual(cpu.param(n), at20[n]), `wasm: '${n}' differs right after loading`);

        for (let s = 21; s <= 30; s++) {
          await stepDev(a, s);
          await stepDev(b, s);
          stepCpu(cpu, s);
        }
        let worst = 0;
        for (const n of NAMES) {
          const pa = await a.readParam(n);
          assert(bitEqual(await b.readParam(n), pa), `WebGPU resumed: '${n}' is not bit-equal to the uninterrupted run`);
          worst = Math.max(worst, maxRelDiff(cpu.param(n), pa));
        }
        assert(worst <= TRAJECTORY_TOL, `wasm resumed vs WebGPU: max rel diff ${worst} > ${TRAJECTORY_TOL}`);

        // And the other way: the wasm optimizer's checkpoint onto WebGPU.
        await gpu.loadDeviceCheckpoint(eo.saveCheckpoint(cpu), d);
        for (const n of NAMES) assert(bitEqual(await d.readParam(n), cpu.param(n)), `wasm -> WebGPU: '${n}' differs`);
        const sdD = await d.stateDict();
        const sdC = cpu.stateDict();
        for (const n of NAMES) {
          for (const slot of ['exp_avg', 'exp_avg_sq']) assert(bitEqual(sdD.state[n][slot], sdC.state[n][slot]), `wasm -> WebGPU: state ${n}.${slot} differs`);
          assert(sdD.state[n].step === sdC.state[n].step, `wasm -> WebGPU: step of ${n}`);
        }
        // A truncated file changes nothing on the device.
        const bad = await gpu.loadDeviceCheckpoint(bytes.subarray(0, bytes.length - 3), d).then(() => null, (e) => e);
        assert(bad instanceof eo.CheckpointError && bad.reason === 'truncated', `truncated file: ${bad}`);
        for (const n of NAMES) assert(bitEqual(await d.readParam(n), cpu.param(n)), `a bad file changed '${n}'`);
        return `${bytes.length} bytes; WebGPU resume bit-equal after 10 more steps; wasm resume within ${worst.toExponential(1)} (tol ${TRAJECTORY_TOL}); wasm -> WebGPU exact`;
      } finally {
        a.dispose();
        b.dispose();
        d.dispose();
      }
    },
  }];
}
