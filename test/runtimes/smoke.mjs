// The runtime smoke suite: one plain ES module, no Node, Deno or browser API beyond what every
// JavaScript runtime has (WebAssembly, crypto.subtle, performance). Node 20, Deno, Bun, a page and
// a Web Worker in Chromium run it against the published package; scripts/test-runtimes.mjs
// compares every runtime's digest with Node's, bit for bit.
//
// Each rule in RULES steps a fixed problem (two parameter groups, sizes that are not multiples of
// 4, gradients made only of float32 adds and multiplies, so every engine computes the same bits),
// checkpoints through stateDict/loadStateDict, steps on, and the final parameters and state are
// hashed. The WebGPU path runs where the runtime has an adapter and is compared with the CPU path
// within a tolerance (a GPU is not bit-exact with wasm).

export const STEPS = 40;
export const STEPS_AFTER_RESUME = 5;
export const GPU_STEPS = 4;
export const GPU_RTOL = 1e-5;

/**
 * Options a rule needs to take a meaningful step here. Any rule not listed steps with its
 * defaults; a rule whose defaults cannot construct an optimizer fails the suite, by name, until it
 * gets an entry here.
 */
export const RULE_OPTIONS = {
  sgd: { lr: 0.05, momentum: 0.9 },
  qhm: { lr: 1, momentum: 0.999, nu: 0.7 },
  adam: { lr: 0.01 },
  adamw: { lr: 0.01 },
};

const GROUPS = [
  { a: [37], b: [16, 5], c: [3] },
  { d: [10, 13] },
];

// ---- a deterministic problem -----------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 24 random bits as a float in [-0.5, 0.5): exact in float32. */
function noise(step, i) {
  let h = Math.imul(step + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 0x27d4eb2f, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
  h ^= h >>> 15;
  return ((h >>> 8) - 0x800000) / 0x1000000;
}

function makeProblem() {
  const r = mulberry32(20240901);
  const f = () => Math.fround(2 * r() - 1);
  const tensors = {};
  for (const group of GROUPS) {
    for (const [name, shape] of Object.entries(group)) {
      const n = shape.reduce((x, y) => x * y, 1);
      tensors[name] = {
        shape,
        init: Float32Array.from({ length: n }, f),
        target: Float32Array.from({ length: n }, f),
        weight: Float32Array.from({ length: n }, () => Math.fround(0.25 + 2 * r())),
      };
    }
  }
  return tensors;
}

const PROBLEM = makeProblem();

/** g = w ⊙ (θ − t) + 0.01·noise(step): float32 products and sums only (identical in every engine). */
export function gradient(name, param, step, out = new Float32Array(param.length)) {
  const { target, weight } = PROBLEM[name];
  const f = Math.fround;
  for (let i = 0; i < param.length; i++) {
    out[i] = f(f(weight[i] * f(param[i] - target[i])) + f(0.01 * noise(step, i)));
  }
  return out;
}

function groupInputs(groupOptions) {
  return GROUPS.map((group, gi) => ({
    ...(gi === 1 ? groupOptions : {}),
    params: Object.fromEntries(Object.keys(group).map((name) => [name, { shape: PROBLEM[name].shape, data: PROBLEM[name].init }])),
  }));
}

/** The second group overrides lr (halved) and turns weight decay on, where the rule has them. */
function secondGroupOptions(spec, options) {
  const o = {};
  const d = spec.defaults;
  if (typeof d.lr === 'number') o.lr = (options.lr ?? d.lr) / 2;
  if (typeof d.weightDecay === 'number') o.weightDecay = 0.01;
  return o;
}

function construct(eo, spec, options) {
  const extra = secondGroupOptions(spec, options);
  try {
    return { opt: new eo.Optimizer(spec, groupInputs(extra), options), groupOptions: extra };
  } catch (err) {
    if (Object.keys(extra).length === 0) throw err;
    // The per-group overrides are not valid for this rule: both groups use the rule's options.
    return { opt: new eo.Optimizer(spec, groupInputs({}), options), groupOptions: {} };
  }
}

function stepWith(opt, step) {
  opt.zeroGrad();
  for (const name of Object.keys(PROBLEM)) gradient(name, opt.param(name), step, opt.grad(name));
  opt.step();
}

// ---- digests ---------------------------------------------------------------------------------

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The bytes of the parameters and of the whole state dict, in a fixed order. */
function stateBytes(opt) {
  const parts = [];
  const names = Object.keys(PROBLEM).sort();
  for (const name of names) parts.push(new Uint8Array(opt.param(name).slice().buffer));
  const sd = opt.stateDict();
  for (const name of Object.keys(sd.state).sort()) {
    const st = sd.state[name];
    for (const key of Object.keys(st).sort()) {
      const v = st[key];
      if (v instanceof Float32Array) parts.push(new Uint8Array(v.slice().buffer));
      else if (typeof v === 'number') parts.push(new Uint8Array(Float64Array.of(v).buffer));
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha256(bytes) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))).slice(0, 32);
}

function sameBits(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Steps one rule; returns its digest and the first float32 bits of `a` (for reading a mismatch). */
async function smokeRule(eo, name, threaded = false) {
  const spec = eo.RULES[name];
  const options = RULE_OPTIONS[name] ?? {};
  const { opt, groupOptions } = construct(eo, spec, options);
  if (threaded) await eo.whenThreadsReady();
  for (let s = 0; s < STEPS; s++) stepWith(opt, s);
  const a = opt.param('a');
  if (!a.every(Number.isFinite)) throw new Error(`${name}: non-finite parameters after ${STEPS} steps`);
  const moved = a.some((x, i) => x !== PROBLEM.a.init[i]);
  if (!moved) throw new Error(`${name}: parameters did not move in ${STEPS} steps`);

  // Checkpoint and resume: a fresh optimizer loaded from the state dict must continue identically.
  const resumed = new eo.Optimizer(spec, groupInputs(groupOptions), options);
  for (const t of Object.keys(PROBLEM)) resumed.param(t).set(opt.param(t));
  resumed.loadStateDict(opt.stateDict());
  if (threaded) await eo.whenThreadsReady();
  for (let s = STEPS; s < STEPS + STEPS_AFTER_RESUME; s++) {
    stepWith(opt, s);
    stepWith(resumed, s);
  }
  const bytes = stateBytes(opt);
  if (!sameBits(bytes, stateBytes(resumed))) throw new Error(`${name}: the resumed optimizer diverged from the original`);
  return {
    digest: await sha256(bytes),
    head: hex(new Uint8Array(opt.param('a').slice(0, 2).buffer)),
    options: { ...options, ...(Object.keys(groupOptions).length ? { group1: groupOptions } : {}) },
  };
}

/** Which runtime this is, from globals only (no runtime-specific imports). */
export function runtimeName() {
  const g = globalThis;
  if (typeof g.Deno !== 'undefined') return `deno ${g.Deno.version.deno}`;
  if (typeof g.Bun !== 'undefined') return `bun ${g.Bun.version}`;
  if (typeof g.process !== 'undefined' && g.process.versions?.node) return `node ${g.process.versions.node}`;
  const ua = g.navigator?.userAgent ?? 'unknown';
  const browser = /Chrom(e|ium)\/[\d.]+/.exec(ua)?.[0] ?? ua;
  if (typeof g.WorkerGlobalScope !== 'undefined' && g instanceof g.WorkerGlobalScope) return `${browser} worker`;
  return `${browser} page`;
}

/**
 * Pins the strict-SIMD kernels when the package offers a choice: relaxed SIMD (fused multiply-add)
 * may differ in the last bit between engines and CPUs, so bit-for-bit comparison uses strict.
 */
async function pinStrictKernels(eo) {
  if (typeof eo.selectKernelBuild === 'function') {
    await eo.selectKernelBuild({ relaxedSimd: false });
    return 'strict SIMD (pinned)';
  }
  const build = typeof eo.kernelBuild === 'function' ? eo.kernelBuild() : null;
  return build?.relaxedSimd ? 'relaxed SIMD (could not pin strict)' : 'strict SIMD';
}

/** Every rule on the CPU path: digests by rule name, and errors by rule name. */
export async function cpuSmoke(eo) {
  await eo.init();
  const kernels = await pinStrictKernels(eo);
  const rules = {};
  const errors = {};
  for (const name of Object.keys(eo.RULES).sort()) {
    try {
      rules[name] = await smokeRule(eo, name);
    } catch (err) {
      errors[name] = String(err?.message ?? err);
    }
  }
  return { kernels, rules, errors };
}

// ---- the WebGPU path -------------------------------------------------------------------------

/**
 * Steps each rule that has a WebGPU graph on the GPU and on wasm with the same gradients and
 * compares the parameters. `gpu` is 'edgeoptim/webgpu'; `loadOrt` imports ORT's WebGPU build.
 */
export async function gpuSmoke(eo, gpu, loadOrt) {
  const probe = await gpu.probeWebGpu();
  if (!probe.available) return { status: 'skipped', reason: probe.reason };
  const ort = await loadOrt();
  if (ort.env) ort.env.logLevel = 'error';
  const rules = {};
  const errors = {};
  const t0 = performance.now();
  for (const name of Object.keys(gpu.GRAPHS).filter((r) => eo.RULES[r]).sort()) {
    try {
      const options = RULE_OPTIONS[name] ?? {};
      const dev = await gpu.createOptimizer(name, groupInputs({}), options, { backend: 'webgpu', ort });
      const cpu = new eo.Optimizer(eo.RULES[name], groupInputs({}), options);
      try {
        for (let gi = 0; gi < dev.groupCount; gi++) {
          if (dev.backendOf(gi) !== 'webgpu') throw new Error(`group ${gi} is on ${dev.backendOf(gi)}: ${JSON.stringify(dev.explain(gi))}`);
        }
        for (let s = 0; s < GPU_STEPS; s++) {
          for (const t of Object.keys(PROBLEM)) dev.setGrad(t, gradient(t, await dev.readParam(t), s));
          await dev.step();
          stepWith(cpu, s);
        }
        let worst = 0;
        for (const t of Object.keys(PROBLEM)) {
          const got = await dev.readParam(t);
          const want = cpu.param(t);
          for (let i = 0; i < want.length; i++) {
            const err = Math.abs(got[i] - want[i]) / (GPU_RTOL * Math.abs(want[i]) + 1e-7);
            if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
          }
        }
        if (!(worst <= 1)) throw new Error(`differs from wasm beyond rtol ${GPU_RTOL} (worst ratio ${worst.toFixed(2)})`);
        rules[name] = { worstRatio: Number(worst.toFixed(3)) };
      } finally {
        dev.dispose();
      }
    } catch (err) {
      errors[name] = String(err?.message ?? err);
    }
  }
  return { status: Object.keys(errors).length ? 'failed' : 'passed', rules, errors, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
}

// ---- threads ---------------------------------------------------------------------------------

/** Rules whose multi-thread results may differ in the last bits (group sums added across threads). */
const THREAD_INEXACT = new Set(['hvadam']);

/**
 * Multi-thread steps where the runtime allows them (shared memory, workers, a cross-origin-isolated
 * page): every rule again with a pool of 2 threads, compared bit for bit with its one-thread digest.
 * Where threads cannot run, `initThreads` must fall back to one thread and say why.
 */
export async function threadSmoke(eo, single) {
  if (typeof eo.initThreads !== 'function') return { status: 'skipped', reason: 'this build has no initThreads' };
  let info;
  try {
    info = await eo.initThreads({ threads: 2, minElements: 64 });
    if (info.threads < 2) {
      if (!info.reason) return { status: 'failed', errors: { setup: 'one thread, but no reason given' } };
      // Asked again: the fallback notice (if the package prints one) must not repeat.
      const again = await eo.initThreads({ threads: 2 });
      if (again.threads !== 1) return { status: 'failed', errors: { setup: `the second initThreads gave ${again.threads} threads` } };
      return { status: 'fallback', threads: info.threads, reason: info.reason };
    }
    if (typeof eo.selectKernelBuild === 'function') await eo.selectKernelBuild({ relaxedSimd: false }, true);
    const errors = {};
    const rules = [];
    for (const name of Object.keys(single.rules)) {
      try {
        const r = await smokeRule(eo, name, true);
        if (r.digest === single.rules[name].digest) rules.push(name);
        else if (THREAD_INEXACT.has(name)) rules.push(`${name} (not bit-exact, by design)`);
        else errors[name] = `2 threads give digest ${r.digest}, 1 thread ${single.rules[name].digest}`;
      } catch (err) {
        errors[name] = String(err?.message ?? err);
      }
    }
    return { status: Object.keys(errors).length ? 'failed' : 'passed', threads: info.threads, rules, errors };
  } catch (err) {
    return { status: 'failed', errors: { setup: String(err?.stack ?? err) } };
  } finally {
    eo.closeThreads?.();
  }
}

/** The whole suite: what each runtime entry calls. `loadOrt` may be null (no GPU attempt). */
export async function runSmoke(eo, gpu, loadOrt) {
  const cpu = await cpuSmoke(eo);
  const threads = await threadSmoke(eo, cpu);
  let webgpu;
  try {
    webgpu = gpu && loadOrt ? await gpuSmoke(eo, gpu, loadOrt) : { status: 'skipped', reason: 'not attempted in this runtime' };
  } catch (err) {
    webgpu = { status: 'failed', errors: { setup: String(err?.stack ?? err) } };
  }
  return {
    runtime: runtimeName(),
    crossOriginIsolated: typeof globalThis.crossOriginIsolated === 'boolean' ? globalThis.crossOriginIsolated : null,
    cpu,
    threads,
    webgpu,
  };
}
