// The README's training loop, runnable: a schedule, clipping, accumulation and checkpoint/resume,
// with a check that the resumed run reproduces the uninterrupted one exactly.
// `node scripts/run-ts.mjs examples/training-loop.ts`
import {
  init, AdamW, OneCycleLR, GradAccumulator, MiniBatchSampler, clipGradNorm, saveCheckpoint, loadCheckpoint,
} from '../src/index';

// A linear model y = w·x + b on data from y = 3x − 1 + noise.
const N = 256;
const xs = Float32Array.from({ length: N }, (_, i) => (i / N) * 2 - 1);
const ys = xs.map((x, i) => 3 * x - 1 + 0.1 * Math.sin(i * 12.9898));

function grads(w: number, b: number, rows: ArrayLike<number>): { w: Float32Array; b: Float32Array } {
  let gw = 0;
  let gb = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const err = w * xs[r] + b - ys[r];
    gw += (2 * err * xs[r]) / rows.length;
    gb += (2 * err) / rows.length;
  }
  return { w: new Float32Array([gw]), b: new Float32Array([gb]) };
}

await init();
const EPOCHS = 20;

function setup() {
  const opt = new AdamW({ w: [1], b: [1] }, { lr: 1e-3, weightDecay: 0.01 });
  const sampler = new MiniBatchSampler(N, { batchSize: 8, seed: 1 });
  const sched = new OneCycleLR(opt, { maxLr: 0.1, epochs: EPOCHS, stepsPerEpoch: sampler.batchesPerEpoch / 4 });
  const acc = new GradAccumulator(opt, {
    steps: 4, // 4 micro-batches of 8 ≡ one batch of 32, summed into the grad slot: no extra buffer
    beforeStep: () => clipGradNorm(opt, 1.0),
    afterStep: () => sched.step(),
  });
  return { opt, sampler, sched, acc };
}

function train(run: ReturnType<typeof setup>, from: number, to: number, save?: number): Uint8Array | undefined {
  let bytes: Uint8Array | undefined;
  for (let epoch = from; epoch < to; epoch++) {
    for (const rows of run.sampler.nextEpoch()) {
      run.acc.microBatch(grads(run.opt.param('w')[0], run.opt.param('b')[0], rows));
    }
    if (epoch === save) bytes = saveCheckpoint(run.opt, { schedule: run.sched, components: { sampler: run.sampler } });
  }
  return bytes;
}

const straight = setup();
const checkpoint = train(straight, 0, EPOCHS, 9)!; // saves after epoch 9

const resumed = setup(); // fresh objects built the same way, e.g. in a new process
loadCheckpoint(checkpoint, resumed.opt, { schedule: resumed.sched, components: { sampler: resumed.sampler } });
train(resumed, 10, EPOCHS);

const [w, b] = [straight.opt.param('w')[0], straight.opt.param('b')[0]];
console.log(`w = ${w.toFixed(4)}, b = ${b.toFixed(4)} (data: w = 3, b = -1); checkpoint ${checkpoint.length} bytes`);
const same = resumed.opt.param('w')[0] === w && resumed.opt.param('b')[0] === b;
console.log(`resumed run ${same ? 'reproduces' : 'DIFFERS FROM'} the uninterrupted one exactly`);
if (!same) process.exit(1);
