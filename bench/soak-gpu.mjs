// Long-run soak of the WebGPU path (Deno, after `npm run build`):
//   npx deno run -A --no-lock bench/soak-gpu.mjs [steps=10000]
// Reports live GPU buffers after warm-up and at the end, and the process memory at both points
// (and the RSS in MiB at every tenth of the run).
import * as ort from 'onnxruntime-web/webgpu';
import * as eo from '../dist/index.js';
import * as gpu from '../dist/webgpu.js';
import { soakGpu } from '../test/gpu/soak.cases.mjs';

ort.env.logLevel = 'error';
await eo.init();
const steps = Number(Deno.args[0] ?? 10000);
const mib = (b) => Number((b / 2 ** 20).toFixed(1));
const memory = () => { const m = Deno.memoryUsage(); return { rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), externalMiB: mib(m.external) }; };
const r = await soakGpu({ eo, gpu, ort }, { steps, warmup: 100, memory });
console.log(JSON.stringify({ ...r, seconds: Number(r.seconds.toFixed(1)), memorySamples: r.memorySamples.map((m) => m.rssMiB) }));
