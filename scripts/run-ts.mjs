// Runs a TypeScript entry (demo, bench) on Node 20, which cannot strip types itself: esbuild
// bundles it to build/run/ and the result is imported. Usage: node scripts/run-ts.mjs file.ts [args]
import { build } from 'esbuild';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) throw new Error('usage: node scripts/run-ts.mjs <file.ts> [args]');
const outfile = `build/run/${basename(entry).replace(/\.ts$/, '')}.mjs`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
