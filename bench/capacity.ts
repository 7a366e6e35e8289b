// How much parallel compute the machine really gives: the same work on 1 and on 2 independent
// worker threads at once (no shared data, no synchronization), total throughput compared. On a VM
// whose two vCPUs are SMT siblings of one physical core (or time-share one), two threads do about
// the work of one, and no multi-thread step can be faster than that ratio.
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';

const WORK = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { kind, bytes, ms, go } = workerData;
let run;
if (kind === 'adam') {
  const n = 65536;
  const memory = new WebAssembly.Memory({ initial: 20, maximum: 20 });
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort() {} } }).exports;
  const f = new Float32Array(memory.buffer);
  for (let i = 16384; i < 16384 + 4 * n; i++) f[i] = 1e-4 * ((i % 97) - 48) ** 2;
  const P = 65536, G = P + 4 * n, M = G + 4 * n, V = M + 4 * n;
  run = () => { x.adam_step(P, G, M, V, 0, n, 1e-3, 0.1, 0.999, 0.001, 1e-8, 0, 1, 1, 0); return n; };
} else {
  run = () => { let s = 0; for (let k = 0; k < 65536; k++) s += Math.sqrt(k); return s > 0 ? 65536 : 0; };
}
const flag = new Int32Array(go);
while (Atomics.load(flag, 0) === 0) {}
const t0 = performance.now();
let units = 0;
while (performance.now() - t0 < ms) units += run();
parentPort.postMessage(units / ((performance.now() - t0) / 1000));
`;

async function throughput(kind: 'adam' | 'scalar', threads: number, bytes: Uint8Array, ms: number): Promise<number> {
  const go = new SharedArrayBuffer(4);
  const workers = Array.from({ length: threads }, () => new Worker(WORK, { eval: true, workerData: { kind, bytes, ms, go } }));
  const results = workers.map((w) => new Promise<number>((ok, fail) => (w.once('message', ok), w.once('error', fail))));
  await new Promise((r) => setTimeout(r, 200)); // all started and compiled
  Atomics.store(new Int32Array(go), 0, 1);
  const rates = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  return rates.reduce((a, b) => a + b, 0);
}

export interface Capacity {
  /** Total throughput of 2 independent threads ÷ 1 thread: Adam's kernel (64K elements, in cache). */
  readonly adam: number;
  /** The same for a scalar JS loop (no memory traffic). */
  readonly scalar: number;
}

export async function measureCapacity(ms = 600): Promise<Capacity> {
  const bytes = new Uint8Array(readFileSync('build/edgeoptim.wasm'));
  const ratio = async (kind: 'adam' | 'scalar'): Promise<number> => {
    const ones: number[] = [];
    const twos: number[] = [];
    for (let r = 0; r < 2; r++) {
      ones.push(await throughput(kind, 1, bytes, ms));
      twos.push(await throughput(kind, 2, bytes, ms));
    }
    return Math.max(...twos) / Math.max(...ones);
  };
  return { adam: await ratio('adam'), scalar: await ratio('scalar') };
}
