// `npm run playground`: builds the browser playground (examples/playground/) into
// build/playground/ and serves it on http://127.0.0.1:8080 (PORT to change). `--build-only` just
// builds (the headless test serves it itself).
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PLAYGROUND_DIR = join(ROOT, 'build/playground');

export async function buildPlayground() {
  mkdirSync(PLAYGROUND_DIR, { recursive: true });
  await build({
    entryPoints: { main: join(ROOT, 'examples/playground/main.ts'), worker: join(ROOT, 'examples/playground/worker.ts') },
    outdir: PLAYGROUND_DIR,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    keepNames: true, // error classes keep their names (InvalidOptionError) in messages
    splitting: true,
    external: ['onnxruntime-web/webgpu'], // loaded on demand through the page's import map
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'examples/playground/index.html'), join(PLAYGROUND_DIR, 'index.html'));
  // ONNX Runtime Web (its JS and ~27 MB of wasm) is served from the installed package, not copied.
  const ort = join(PLAYGROUND_DIR, 'ort');
  if (!existsSync(ort)) symlinkSync(join(ROOT, 'node_modules/onnxruntime-web/dist'), ort, 'dir');
  return PLAYGROUND_DIR;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = await buildPlayground();
  if (!process.argv.includes('--build-only')) {
    const { startServer } = await import('../test/runtimes/serve.mjs');
    const port = Number(process.env.PORT ?? 8080);
    const server = await startServer({ root: dir, port });
    console.log(`edgeoptim playground: ${server.url}/  (serving ${dir}; Ctrl-C to stop)`);
  } else {
    console.log(`playground built into ${dir}`);
  }
}
