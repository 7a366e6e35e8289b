// Web Worker entry, bundled by scripts/test-runtimes.mjs with esbuild from the installed package
// (module workers have no import maps, so a user's worker goes through a bundler).
import * as eo from 'edgeoptim';
import * as gpu from 'edgeoptim/webgpu';
import { runSmoke } from './smoke.mjs';

runSmoke(eo, gpu, () => import('onnxruntime-web/webgpu')).then(
  (result) => postMessage({ result }),
  (err) => postMessage({ error: String(err?.stack ?? err) }),
);
