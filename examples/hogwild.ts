// Hogwild! (Niu, Recht, Ré & Wright 2011; the overview's "Parallelizing and distributing SGD"):
// several workers run SGD on their own mini-batches and write their updates to the shared
// parameters without any lock. With sparse gradients, two workers rarely touch the same
// coordinate, so the races cost little and the run converges about as the sequential one does.
//
//   node scripts/run-ts.mjs examples/hogwild.ts [--workers=2] [--epochs=6]
//
// The parameters live in an edgeoptim arena: after `initThreads()` an optimizer's memory is a
// SharedArrayBuffer, so `opt.param('w')` is a view that worker threads can map too. Task: sparse
// logistic regression (d features, each example has a handful of non-zeros drawn from a skewed
// distribution), labels from a hidden weight vector with 5% flipped. Both runs see the same
// examples per epoch and use the same step size; we compare the held-out loss per epoch.
// Node-only (node:worker_threads): it is an example, not library code.
import { Worker } from 'node:worker_threads';
import { init, initThreads, closeThreads, SGD } from '../src/index';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const WORKERS = arg('workers', 2);
const EPOCHS = arg('epochs', 6);
const D = 50_000; // features
const N = 400_000; // training examples
const NNZ = 16; // non-zeros per example
const TEST = 20_000;
const BATCH = 8;
const LR = 2;

/** The data set in SharedArrayBuffers, so the workers read it without copies. */
function makeData(count: number, seed: number, truth: Float32Array) {
  const index = new Int32Array(new SharedArrayBuffer(count * NNZ * 4));
  const value = new Float32Array(new SharedArrayBuffer(count * NNZ * 4));
  const label = new Float32Array(new SharedArrayBuffer(count * 4));
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    let margin = 0;
    for (let k = 0; k < NNZ; k++) {
      const j = Math.floor(D * rand() ** 2); // skewed: low feature ids are common
      const x = 1 / Math.sqrt(NNZ);
      index[i * NNZ + k] = j;
      value[i * NNZ + k] = x;
      margin += truth[j] * x;
    }
    label[i] = (margin > 0) !== (rand() < 0.05) ? 1 : -1;
  }
  return { index, value, label, count };
}

type Data = ReturnType<typeof makeData>;

/** Mean logistic loss log(1 + exp(-y w·x)) over a data set. */
function loss(w: Float32Array, data: Data): number {
  let total = 0;
  for (let i = 0; i < data.count; i++) {
    let m = 0;
    for (let k = i * NNZ; k < (i + 1) * NNZ; k++) m += w[data.index[k]] * data.value[k];
    const z = data.label[i] * m;
    total += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
  }
  return total / data.count;
}

// The SGD pass over examples [from, to): for each mini-batch, the gradient of the mean logistic
// loss, written straight into w (the same code runs sequentially and in each Hogwild! worker).
const SGD_PASS = `
function sgdPass(w, index, value, label, from, to, nnz, batch, lr, order) {
  const coef = new Float64Array(batch);
  for (let b = from; b < to; b += batch) {
    const end = Math.min(b + batch, to);
    for (let t = b; t < end; t++) {
      const i = order[t];
      let m = 0;
      for (let k = i * nnz; k < (i + 1) * nnz; k++) m += w[index[k]] * value[k];
      const y = label[i];
      coef[t - b] = -y / (1 + Math.exp(y * m)) * (lr / (end - b));
    }
    for (let t = b; t < end; t++) {
      const i = order[t];
      const c = coef[t - b];
      for (let k = i * nnz; k < (i + 1) * nnz; k++) w[index[k]] -= c * value[k];
    }
  }
}`;
const sgdPass = new Function(`${SGD_PASS}; return sgdPass;`)() as (
  w: Float32Array, index: Int32Array, value: Float32Array, label: Float32Array,
  from: number, to: number, nnz: number, batch: number, lr: number, order: Int32Array,
) => void;

const WORKER = `
const { parentPort } = require('node:worker_threads');
${SGD_PASS}
parentPort.on('message', (m) => {
  const w = new Float32Array(m.w.buffer, m.w.byteOffset, m.w.length); // the arena's shared memory
  sgdPass(w, m.index, m.value, m.label, m.from, m.to, m.nnz, m.batch, m.lr, m.order);
  parentPort.postMessage('done');
});`;

/** A shuffled order of the examples per epoch (shared, so both runs see the same epochs). */
function epochOrder(epoch: number): Int32Array {
  const order = new Int32Array(new SharedArrayBuffer(N * 4));
  for (let i = 0; i < N; i++) order[i] = i;
  let s = (epoch + 1) * 2654435761;
  for (let i = N - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

await init();
const threads = await initThreads({ threads: WORKERS + 1 > 16 ? 16 : Math.max(2, WORKERS) });
if (threads.threads < 2) throw new Error(`this example needs shared memory: ${threads.reason}`);

const truth = new Float32Array(D);
{
  let s = 12345;
  for (let j = 0; j < D; j++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    truth[j] = (s / 2 ** 32 - 0.5) * 4;
  }
}
const train = makeData(N, 1, truth);
const test = makeData(TEST, 2, truth);

// Two optimizers over shared arenas: the sequential run and the Hogwild! run. The example's
// update is SGD's (lr · gradient on the touched coordinates), written by hand because each worker
// applies it to the shared parameters itself, for its own mini-batches, with no synchronization.
const sequential = new SGD({ w: [D] }, { lr: LR });
const hogwild = new SGD({ w: [D] }, { lr: LR });
const wSeq = sequential.param('w');
const wHog = hogwild.param('w');
if (!(wHog.buffer instanceof SharedArrayBuffer)) throw new Error('the arena is not shared');

const workers = Array.from({ length: WORKERS }, () => new Worker(WORKER, { eval: true }));
const run = (worker: Worker, message: object): Promise<void> =>
  new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.postMessage(message);
  });

const rows: string[] = [];
let seqSeconds = 0;
let hogSeconds = 0;
rows.push(`| epoch | sequential loss | Hogwild! loss (${WORKERS} workers) | sequential s | Hogwild! s |`, '|---|---|---|---|---|');
rows.push(`| 0 | ${loss(wSeq, test).toFixed(4)} | ${loss(wHog, test).toFixed(4)} | | |`);
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const order = epochOrder(epoch);
  let t0 = performance.now();
  sgdPass(wSeq, train.index, train.value, train.label, 0, N, NNZ, BATCH, LR, order);
  const seq = (performance.now() - t0) / 1000;
  t0 = performance.now();
  // Each worker takes a contiguous share of this epoch's shuffled order; all write into wHog at once.
  const share = Math.ceil(N / WORKERS / BATCH) * BATCH;
  await Promise.all(
    workers.map((worker, k) =>
      run(worker, {
        w: wHog, index: train.index, value: train.value, label: train.label, order,
        from: k * share, to: Math.min(N, (k + 1) * share), nnz: NNZ, batch: BATCH, lr: LR,
      }),
    ),
  );
  const hog = (performance.now() - t0) / 1000;
  seqSeconds += seq;
  hogSeconds += hog;
  rows.push(`| ${epoch + 1} | ${loss(wSeq, test).toFixed(4)} | ${loss(wHog, test).toFixed(4)} | ${seq.toFixed(2)} | ${hog.toFixed(2)} |`);
}
for (const w of workers) await w.terminate();
closeThreads();

console.log(`Hogwild! vs sequential SGD: sparse logistic regression, ${D} features, ${N} examples (${NNZ} non-zeros each), mini-batches of ${BATCH}, lr ${LR}; held-out loss on ${TEST} examples.\n`);
console.log(rows.join('\n'));
console.log(`\ntotal: sequential ${seqSeconds.toFixed(2)} s, Hogwild! ${hogSeconds.toFixed(2)} s (${(seqSeconds / hogSeconds).toFixed(2)}× faster per epoch)`);
