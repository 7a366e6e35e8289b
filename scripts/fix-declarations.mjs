// Adds explicit `.js` extensions to the relative imports in the emitted declarations (dist/**/*.d.ts).
// tsc copies `from './optimizer'` from the sources as is; TypeScript users on
// `"moduleResolution": "node16"`/`"nodenext"` (the default for Node ESM projects) cannot resolve
// such paths inside an ESM package, and every import from 'edgeoptim' would be typed `any`.
// Usage: node scripts/fix-declarations.mjs [dir]   (default dist)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = process.argv[2] ?? 'dist';
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?(?:\/[^'"]*)?)\2/g;

function* declarations(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* declarations(path);
    else if (path.endsWith('.d.ts')) yield path;
  }
}

let files = 0;
let rewritten = 0;
for (const file of declarations(root)) {
  const text = readFileSync(file, 'utf8');
  const out = text.replace(SPECIFIER, (match, head, quote, spec) => {
    if (/\.(m|c)?js$/.test(spec)) return match;
    const base = join(dirname(file), spec);
    let fixed;
    if (existsSync(`${base}.d.ts`)) fixed = `${spec}.js`;
    else if (existsSync(join(base, 'index.d.ts'))) fixed = `${spec.replace(/\/$/, '')}/index.js`;
    else throw new Error(`${file}: cannot resolve the declaration of '${spec}'`);
    rewritten++;
    return `${head}${quote}${fixed}${quote}`;
  });
  if (out !== text) {
    writeFileSync(file, out);
    files++;
  }
}
console.log(`declarations: ${rewritten} relative imports given .js extensions in ${files} files under ${root}/`);
