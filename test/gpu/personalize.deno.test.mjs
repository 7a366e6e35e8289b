// Deno runner for the personalize cases (test/gpu/personalize.cases.mjs):
// `deno test -A --no-lock --no-check test/gpu/personalize.deno.test.mjs` after `npm run build`
// (or `node scripts/bundle.mjs`). Deno has navigator.gpu built in (Mesa's lavapipe or llvmpipe here).
import * as ort from 'onnxruntime-web/webgpu';
import * as eo from '../../dist/index.js';
import * as gpu from '../../dist/webgpu.js';
import { makePersonalizeCases } from './personalize.cases.mjs';

ort.env.logLevel = 'error';
await eo.init();
const probe = await gpu.probeWebGpu();
if (!probe.available) {
  if (Deno.env.get('CI') === 'true') throw new Error(`WebGPU is required in CI: ${probe.reason}`);
  console.warn(`skipping the personalize cases: ${probe.reason}`);
}

for (const c of makePersonalizeCases({ eo, gpu, ort })) {
  Deno.test({
    name: c.name,
    ignore: !probe.available,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const note = await c.fn();
      if (note) console.log(`    ${note}`);
    },
  });
}
