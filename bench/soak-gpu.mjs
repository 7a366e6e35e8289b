// Long-run soak of the WebGPU path (Deno, after `npm run build`):
//   npx deno run -A --no-lock bench/soak-gpu.mjs [steps=10000]
// Reports live GPU buffers after warm-up and at the end, and the process memory at both points.
import * as ort from 'onnxruntime-web/webgpu';
import * as eo from '../dist/index.js';
import * as gpu from '../dist/webgpu.js';
import { soakGpu } from '../test/gpu/soak.cases.mjs';

ort.env.logLevel = 'error';
await eo.init();
const steps = Number(Deno.args[0] ?? 10000);
const before = Deno.memoryUsage();
const r = await soakGpu({ eo, gpu, ort }, { steps, warmup: 100 });
const after = Deno.memoryUsage();
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(JSON.stringify({
  ...r, seconds: Number(r.seconds.toFixed(1)),
  rssStart: mib(before.rss), rssEnd: mib(after.rss), heapStart: mib(before.heapUsed), heapEnd: mib(after.heapUsed),
}));
