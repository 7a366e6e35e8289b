// Bundles src/ into dist/ with esbuild: one ESM file per entry point, platform-neutral so the
// same files load in Node, Deno, Bun, pages and workers. onnxruntime-web stays external (the
// user's copy), and the GPU entry is separate so the core bundle never pulls it in. Code both
// entries use (the optimizer, the wasm loader, the rules) goes to a shared chunk, so there is one
// copy of it: `init()` from 'edgeoptim' initializes what 'edgeoptim/webgpu' uses, and errors
// are the same classes for `instanceof`.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

const entryPoints = { index: 'src/index.ts' };
if (existsSync('src/webgpu/index.ts')) entryPoints.webgpu = 'src/webgpu/index.ts';
// Interop entries: TF.js and ONNX Runtime Web stay external (the user's copies, peer dependencies).
if (existsSync('src/tfjs/index.ts')) entryPoints.tfjs = 'src/tfjs/index.ts';
if (existsSync('src/ort/index.ts')) entryPoints.ort = 'src/ort/index.ts';

// Start clean: stale chunks from an earlier build would otherwise ship in `npm pack`.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  external: ['onnxruntime-web', 'onnxruntime-web/*', '@tensorflow/*'],
  logLevel: 'warning',
});
console.log(`bundled ${Object.keys(entryPoints).join(', ')} -> dist/`);
