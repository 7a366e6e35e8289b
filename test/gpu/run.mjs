// `npm run test:gpu`: bundles dist/ (wasm + esbuild, no type check), then runs the WebGPU cases
// (test/gpu/cases.mjs) in Deno (navigator.gpu on Mesa) and in headless Debian Chromium
// (SwiftShader). With CI=true a missing runtime (deno, /usr/bin/chromium, a WebGPU adapter) is a
// failure; elsewhere it is skipped with a warning. Prints one summary line per runtime and a final
// 'N passed, N failed'.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChromium } from './chromium.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CI = process.env.CI === 'true';
const RUNTIME_TIMEOUT_MS = 300_000;
const only = process.argv.slice(2); // e.g. `npm run test:gpu -- deno`

function run(cmd, args, { env = {}, timeoutMs = RUNTIME_TIMEOUT_MS, capture = false } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    if (capture) {
      const keep = (d) => {
        const text = d.toString();
        out += text;
        process.stdout.write(text.split('\n').filter((l) => !/XDG_RUNTIME_DIR/.test(l)).join('\n'));
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
    }
    const timer = setTimeout(() => {
      console.error(`\n${cmd} ran past ${timeoutMs / 1000} s; stopping it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, out });
    });
  });
}

const summary = [];
let passed = 0;
let failed = 0;
const missing = (runtime, why) => {
  const line = `${runtime}: ${CI ? 'MISSING (required with CI=true)' : 'skipped'}: ${why}`;
  (CI ? console.error : console.warn)(line);
  summary.push(line);
  if (CI) failed++;
};

console.log('== building dist/ (wasm + bundle)');
for (const script of ['scripts/build-wasm.mjs', 'scripts/bundle.mjs']) {
  const { code } = await run(process.execPath, [script]);
  if (code !== 0) {
    console.error(`${script} failed`);
    process.exit(1);
  }
}

if (only.length === 0 || only.includes('deno')) {
  console.log('\n== Deno (navigator.gpu on Mesa)');
  // The npm package's postinstall links its binary to .bin/deno; without it, its bin.cjs finds it.
  const linked = join(ROOT, 'node_modules', '.bin', 'deno');
  const shim = join(ROOT, 'node_modules', 'deno', 'bin.cjs');
  const [deno, prefix] = existsSync(linked) ? [linked, []] : [process.execPath, [shim]];
  if (!existsSync(linked) && !existsSync(shim)) {
    missing('deno', 'node_modules/.bin/deno not found (npm install the devDependency `deno`)');
  } else {
    // Mesa's loaders complain without a runtime dir; give them a private one.
    const xdg = mkdtempSync(join(tmpdir(), 'edgeoptim-xdg-'));
    try {
      const { code, out } = await run(deno, [...prefix, 'test', '-A', '--no-lock', '--no-check', 'test/gpu/deno.test.mjs'], {
        env: { NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', XDG_RUNTIME_DIR: xdg },
        capture: true,
      });
      const m = /(\d+) passed \| (\d+) failed(?: \| (\d+) ignored)?/.exec(out);
      if (m && Number(m[3] ?? 0) > 0 && Number(m[1]) === 0) {
        missing('deno', 'no WebGPU adapter in Deno (cases ignored)');
      } else if (m) {
        passed += Number(m[1]);
        failed += Number(m[2]);
        summary.push(`deno: ${m[1]} passed, ${m[2]} failed`);
        if (code !== 0 && Number(m[2]) === 0) {
          failed++;
          summary.push(`deno: exited with ${code}`);
        }
      } else {
        failed++;
        summary.push(`deno: no test summary (exit ${code})`);
      }
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  }
}

if (only.length === 0 || only.includes('chromium')) {
  console.log('\n== Chromium (headless, WebGPU on SwiftShader)');
  let result;
  try {
    result = await Promise.race([
      runChromium({ log: (l) => console.log(l) }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`Chromium ran past ${RUNTIME_TIMEOUT_MS / 1000} s`)), RUNTIME_TIMEOUT_MS)),
    ]);
  } catch (err) {
    result = { error: err };
  }
  if (result.missing) {
    missing('chromium', `${result.missing} (scripts/install-system-deps.sh installs it)`);
  } else if (result.error) {
    failed++;
    console.error(result.error);
    summary.push(`chromium: error: ${result.error.message}`);
  } else {
    console.log(result.adapter);
    const skipped = result.results.filter((r) => r.skipped);
    if (skipped.length) {
      missing('chromium', `no WebGPU adapter: ${skipped[0].error}`);
    } else {
      for (const r of result.results) {
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.note ? `\n       ${r.note}` : ''}${r.error ? `\n${r.error}` : ''}`);
      }
      const bad = result.results.filter((r) => !r.ok).length;
      passed += result.results.length - bad;
      failed += bad;
      summary.push(`chromium: ${result.results.length - bad} passed, ${bad} failed`);
    }
  }
}

console.log('\n== WebGPU summary');
for (const line of summary) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
