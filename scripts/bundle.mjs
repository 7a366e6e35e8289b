// Bundles src/ into dist/ with esbuild: one ESM file per entry point, platform-neutral so the
// same files load in Node, Deno, Bun, pages and workers. onnxruntime-web stays external (the
// user's copy), and the GPU entry is separate so the core bundle never pulls it in.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entryPoints = { index: 'src/index.ts' };
if (existsSync('src/webgpu/index.ts')) entryPoints.webgpu = 'src/webgpu/index.ts';

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  external: ['onnxruntime-web', 'onnxruntime-web/*'],
  logLevel: 'warning',
});
console.log(`bundled ${Object.keys(entryPoints).join(', ')} -> dist/`);
