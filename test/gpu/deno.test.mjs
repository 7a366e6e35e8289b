// Deno runner for the WebGPU cases: `deno test -A --no-lock test/gpu/deno.test.mjs` after
// `npm run build`. Deno has navigator.gpu built in (Mesa's lavapipe or llvmpipe here).
import * as ort from 'onnxruntime-web/webgpu';
import * as eo from '../../dist/index.js';
import * as gpu from '../../dist/webgpu.js';
import { makeCases } from './cases.mjs';
import { makeCheckpointCases } from './checkpoint.cases.mjs';
import { makePersonalizeCases } from './personalize.cases.mjs';
import { makeSoakCases } from './soak.cases.mjs';

ort.env.logLevel = 'error';
await eo.init();
const probe = await gpu.probeWebGpu();
if (!probe.available) {
  if (Deno.env.get('CI') === 'true') throw new Error(`WebGPU is required in CI: ${probe.reason}`);
  console.warn(`skipping the WebGPU cases: ${probe.reason}`);
}

const ctx = { eo, gpu, ort };
// Personalize first: the device-loss case (last in makeCases) destroys the shared device.
for (const c of [...makePersonalizeCases(ctx), ...makeSoakCases(ctx), ...makeCheckpointCases(ctx), ...makeCases(ctx)]) {
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
