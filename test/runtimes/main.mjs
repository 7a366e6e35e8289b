// Entry for Node, Deno and Bun: imports the installed package by name, as a user would, runs the
// smoke suite and prints one line `SMOKE_RESULT {json}` for scripts/test-runtimes.mjs.
import * as eo from 'edgeoptim';
import * as gpu from 'edgeoptim/webgpu';
import { runSmoke } from './smoke.mjs';

const hasWebGpu = typeof navigator !== 'undefined' && Boolean(navigator.gpu);
const result = await runSmoke(eo, gpu, hasWebGpu ? () => import('onnxruntime-web/webgpu') : null);
console.log(`SMOKE_RESULT ${JSON.stringify(result)}`);
// ONNX Runtime may keep worker threads alive; the result is out, so end here.
globalThis.process?.exit?.(0);
