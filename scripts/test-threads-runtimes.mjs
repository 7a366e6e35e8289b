// Multi-thread steps on every runtime: Node, Deno, Bun, a cross-origin-isolated Chromium page (all
// must run 2 threads and match one thread bit for bit; HVAdam within 1e-6), and a page that is not
// isolated (must fall back to 1 thread with a reason). Uses dist/ (run `npm run build` first, or
// pass --build). Usage: node scripts/test-threads-runtimes.mjs [--build] [--only=node,deno,bun,page,plain-page]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const targets = only ?? ['node', 'deno', 'bun', 'page', 'plain-page'];
if (args.includes('--build') || !existsSync('dist/index.js')) {
  execFileSync('node', ['scripts/build-wasm.mjs'], { stdio: 'inherit' });
  execFileSync('node', ['scripts/bundle.mjs'], { stdio: 'inherit' });
}
mkdirSync('build/threads-runtimes', { recursive: true });
const runner = join(ROOT, 'build/threads-runtimes/run.mjs');
writeFileSync(
  runner,
  `import * as eo from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist/index.js')).href)};\n` +
    `import { checkThreads } from ${JSON.stringify(pathToFileURL(join(ROOT, 'test/threads/check.mjs')).href)};\n` +
    `console.log('REPORT ' + JSON.stringify(await checkThreads(eo)));\n`,
);

const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const commands = {
  node: [process.execPath, [runner]],
  deno: [bin('deno'), ['run', '--allow-read', runner]],
  bun: [bin('bun'), [runner]],
};

function judge(target, report, isolated) {
  const problems = [];
  if (!report) return ['no report'];
  if (!isolated) {
    if (report.threads !== 1 || !report.reason) problems.push(`expected a fallback to 1 thread with a reason, got ${JSON.stringify(report)}`);
    return problems;
  }
  if (report.threads !== 2) problems.push(`threads ${report.threads} (${report.reason})`);
  for (const [rule, r] of Object.entries(report.rules)) {
    if (r.splitCalls === 0) problems.push(`${rule}: no call was split`);
    if (rule === 'hvadam' ? r.worstRelative > 1e-6 : r.differing !== 0) problems.push(`${rule}: ${JSON.stringify(r)}`);
  }
  return problems;
}

let failed = 0;
for (const target of targets) {
  let report;
  let isolated = true;
  if (commands[target]) {
    const [cmd, argv] = commands[target];
    if (!existsSync(cmd)) {
      console.log(`${target}: skipped (not installed)`);
      continue;
    }
    const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('REPORT '));
    report = line ? JSON.parse(line.slice(7)) : undefined;
    if (!report) console.log(r.stdout, r.stderr);
  } else {
    isolated = target === 'page';
    const { chromiumAvailable, launchChromium } = await import('../test/runtimes/chromium.mjs');
    const { startServer } = await import('../test/runtimes/serve.mjs');
    if (!chromiumAvailable()) {
      console.log(`${target}: skipped (no Chromium)`);
      continue;
    }
    const server = await startServer({ root: ROOT, isolated });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.log(`${target} page error: ${e.message}`));
      await page.goto(`${server.url}/test/runtimes/page.html`).catch(() => page.goto(`${server.url}/`));
      report = await page.evaluate(async () => {
        const eo = await import('/dist/index.js');
        const { checkThreads } = await import('/test/threads/check.mjs');
        return checkThreads(eo);
      });
    } finally {
      await browser.close();
      await server.close();
    }
  }
  const problems = judge(target, report, isolated);
  console.log(`${target}: ${problems.length ? `FAIL ${problems.join('; ')}` : 'ok'} ${JSON.stringify(report)}`);
  if (problems.length) failed++;
}
console.log(`${targets.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
