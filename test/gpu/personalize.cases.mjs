// "Personalize a classifier on this device" on WebGPU: a 2-layer head over fixed embeddings whose
// training graph (forward + backward, edgeoptim/ort) runs on ONNX Runtime's WebGPU EP, with the
// optimizer state on the same device (edgeoptim/webgpu). Runtime-agnostic like cases.mjs: run by
// test/gpu/deno.test.mjs and test/gpu/page.html (npm run test:gpu), against the bundles in dist/.
//
// Checked: the GPU path ('flat': the optimizer's param buffer is the graph's input and its grad
// buffer the graph's output; 'tensors': GPU-to-GPU copies) follows the CPU path (ORT wasm EP +
// wasm arena) step for step; no buffer is mapped for reading while training (nothing leaves the
// GPU); the head learns. Each case reports steps/s of both paths (software adapters: slow).
import * as eort from '../../dist/ort.js';

const SPEC = { inputs: 64, hidden: 32, classes: 5 };
const BATCH = 200;
const STEPS = 40;
/** Normwise |gpu − cpu| / |cpu| per tensor after STEPS AdamW steps (GPU reductions sum in another order). */
const TOL = 2e-4;

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Embeddings around one centre per class: a stand-in for a frozen encoder's outputs. */
export function embeddings(n, spec, seed, noise = 2.5) {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const cr = rng(1234);
  const cnormal = () => Math.sqrt(-2 * Math.log(1 - cr())) * Math.cos(2 * Math.PI * cr());
  const centres = Array.from({ length: spec.classes }, () => Float32Array.from({ length: spec.inputs }, cnormal));
  const x = new Float32Array(n * spec.inputs);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % spec.classes;
    labels[i] = c;
    for (let j = 0; j < spec.inputs; j++) x[i * spec.inputs + j] = centres[c][j] + noise * normal();
  }
  return { x, labels };
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

function normwise(a, e) {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - e[i]) ** 2;
    s += e[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(s), 1e-30);
}

/** Counts GPUBuffer.mapAsync calls (read-backs) while `fn` runs. */
async function countReadbacks(fn) {
  const proto = globalThis.GPUBuffer?.prototype;
  if (!proto?.mapAsync) return { result: await fn(), readbacks: null };
  const original = proto.mapAsync;
  let readbacks = 0;
  proto.mapAsync = function (...args) {
    readbacks++;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), readbacks };
  } finally {
    proto.mapAsync = original;
  }
}

export function makePersonalizeCases(ctx) {
  const { eo, gpu, ort } = ctx;
  const cases = [];
  const add = (name, fn) => cases.push({ name, fn });
  const shapes = eort.classifierShapes(SPEC);
  const init = eort.classifierInit(SPEC, 8);
  const params = () => Object.fromEntries(Object.entries(init).map(([k, v]) => [k, { shape: shapes[k], data: v }]));
  const options = { lr: 0.01, weightDecay: 0.01 };
  const data = embeddings(BATCH, SPEC, 21);
  const targets = eort.targetsFor(data.labels, SPEC.classes);

  /** The CPU path: ORT's wasm EP + the wasm arena. */
  async function cpuRun() {
    const opt = new eo.AdamW(params(), options);
    const trainer = await eort.WasmTrainer.create(opt, { ort, model: eort.classifierTrainModel(SPEC) });
    const feeds = { x: new ort.Tensor('float32', data.x, [BATCH, SPEC.inputs]), targets: new ort.Tensor('float32', targets, [BATCH, SPEC.classes]) };
    const losses = [await trainer.step(feeds)]; // the first run sets up ORT's memory: not timed
    const t0 = performance.now();
    for (let s = 1; s < STEPS; s++) losses.push(await trainer.step(feeds));
    const stepsPerSecond = (STEPS - 1) / ((performance.now() - t0) / 1000);
    await trainer.dispose();
    return { opt, losses, stepsPerSecond };
  }

  /** The GPU path in `io` form; the data is uploaded once and stays on the device. */
  async function gpuRun(io) {
    const dev = await gpu.createOptimizer('adamw', params(), options, { backend: 'webgpu', dataOn: 'gpu', ort });
    assert(dev.backendOf(0) === 'webgpu', `not on WebGPU: ${JSON.stringify(dev.explain())}`);
    const model = io === 'flat' ? eort.classifierTrainModel(SPEC, { layout: dev.groupLayout(0) }) : eort.classifierTrainModel(SPEC);
    const trainer = await eort.WebGpuTrainer.create(dev, { ort, model, io });
    const feeds = { x: trainer.upload(data.x, [BATCH, SPEC.inputs]), targets: trainer.upload(targets, [BATCH, SPEC.classes]) };
    await trainer.step(feeds); // compiles the graphs
    const first = await trainer.loss();
    const { readbacks, result: seconds } = await countReadbacks(async () => {
      const t0 = performance.now();
      for (let s = 1; s < STEPS; s++) await trainer.step(feeds);
      return (performance.now() - t0) / 1000;
    });
    // The loss read waits for the queue; timed separately, and counted to show the counter works.
    const t1 = performance.now();
    const { readbacks: lossReads, result: last } = await countReadbacks(() => trainer.loss());
    const drain = (performance.now() - t1) / 1000;
    assert(lossReads === null || lossReads >= 1, 'the read-back counter missed the loss read');
    const stepsPerSecond = (STEPS - 1) / (seconds + drain);
    await trainer.dispose();
    return { dev, first, last, readbacks, stepsPerSecond };
  }

  async function compareToCpu(label, g, c) {
    let worst = 0;
    for (const name of c.opt.tensorNames) {
      const d = normwise(await g.dev.readParam(name), c.opt.param(name));
      assert(d <= TOL, `${label}: ${name} differs normwise by ${d.toExponential(2)} after ${STEPS} steps (tolerance ${TOL})`);
      worst = Math.max(worst, d);
    }
    assert(Math.abs(g.first - c.losses[0]) <= 1e-4 * Math.max(1, c.losses[0]), `${label}: first loss ${g.first} vs ${c.losses[0]}`);
    return worst;
  }

  let cpuResult = null;
  const cpuOnce = async () => (cpuResult ??= await cpuRun());

  add("personalize (flat): the optimizer's GPU buffers are the graph's input and output; follows the CPU path", async () => {
    const c = await cpuOnce();
    const g = await gpuRun('flat');
    try {
      const worst = await compareToCpu('flat', g, c);
      assert(g.readbacks === null || g.readbacks === 0, `${g.readbacks} buffers were mapped for reading during training`);
      assert(g.last < g.first * 0.5, `loss did not fall: ${g.first} -> ${g.last}`);
      return `${STEPS} AdamW steps, head ${SPEC.inputs}-${SPEC.hidden}-${SPEC.classes}, batch ${BATCH}: loss ${g.first.toFixed(4)} -> ${g.last.toFixed(4)}; `
        + `params vs CPU path normwise ${worst.toExponential(1)}; read-backs during training: ${g.readbacks ?? 'not counted'}; `
        + `steps/s: GPU ${g.stepsPerSecond.toFixed(1)}, CPU (wasm EP + wasm step) ${c.stepsPerSecond.toFixed(1)}`;
    } finally {
      g.dev.dispose();
    }
  });

  add('personalize (tensors): per-parameter graph inputs/outputs with GPU-to-GPU copies; follows the CPU path', async () => {
    const c = await cpuOnce();
    const g = await gpuRun('tensors');
    try {
      const worst = await compareToCpu('tensors', g, c);
      assert(g.readbacks === null || g.readbacks === 0, `${g.readbacks} buffers were mapped for reading during training`);
      return `params vs CPU path normwise ${worst.toExponential(1)}; read-backs during training: ${g.readbacks ?? 'not counted'}; steps/s: GPU ${g.stepsPerSecond.toFixed(1)}`;
    } finally {
      g.dev.dispose();
    }
  });

  add('personalize: the trained head classifies held-out embeddings', async () => {
    const c = await cpuOnce();
    const test = embeddings(100, SPEC, 22);
    const session = await ort.InferenceSession.create(eort.classifierPredictModel(SPEC), { executionProviders: ['wasm'] });
    const feeds = { x: new ort.Tensor('float32', test.x, [100, SPEC.inputs]) };
    for (const name of c.opt.tensorNames) feeds[name] = new ort.Tensor('float32', c.opt.param(name), [...c.opt.shape(name)]);
    const probs = (await session.run(feeds)).probs.data;
    let right = 0;
    for (let i = 0; i < 100; i++) {
      const row = Array.from(probs.subarray(i * SPEC.classes, (i + 1) * SPEC.classes));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) right++;
    }
    await session.release();
    assert(right >= 80, `held-out accuracy ${right}%`);
    return `held-out accuracy ${right}%`;
  });

  return cases;
}
