// Page entry: `?target=page` runs the smoke suite on the page's main thread; `?target=worker`
// runs it in a module Web Worker (worker.bundle.js, built from worker.mjs by a bundler, as a
// user's worker would be). The result lands in `window.__smoke` (or `window.__smokeError`).
import * as eo from 'edgeoptim';
import * as gpu from 'edgeoptim/webgpu';
import { runSmoke } from './smoke.mjs';

const out = document.getElementById('out');
const target = new URLSearchParams(location.search).get('target') ?? 'page';

function done(result) {
  window.__smoke = result;
  out.textContent = JSON.stringify(result, null, 2);
}

function fail(err) {
  window.__smokeError = String(err?.stack ?? err);
  out.textContent = window.__smokeError;
}

if (target === 'worker') {
  const worker = new Worker('./worker.bundle.js', { type: 'module' });
  worker.onmessage = (e) => (e.data.error ? fail(e.data.error) : done(e.data.result));
  worker.onerror = (e) => fail(`worker error: ${e.message}`);
} else {
  runSmoke(eo, gpu, () => import('onnxruntime-web/webgpu')).then(done, fail);
}
