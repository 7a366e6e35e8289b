// `npm run test:runtimes`: the runtime matrix over the published package. Builds, packs the
// tarball, installs it by name into build/runtimes/app (a user's project), checks the package
// (files, exports, type declarations, bundle sizes, the GPU path out of the core bundle), then
// runs test/runtimes/smoke.mjs on Node, Deno, Bun, a Chromium page and a Chromium Web Worker and
// compares every runtime's digests with Node's, bit for bit.
//
// Options: --no-build (use dist/ as is), --only=node,deno,bun,page,worker.
// With CI=true a missing runtime, or a missing WebGPU adapter where one is expected, fails.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const CI = process.env.CI === 'true';
const args = process.argv.slice(2);
const NO_BUILD = args.includes('--no-build');
const ALL_TARGETS = ['node', 'deno', 'bun', 'page', 'worker'];
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const TARGETS = only ?? ALL_TARGETS;
/** Targets that must find a (software) WebGPU adapter in CI. */
const GPU_EXPECTED = new Set(['deno', 'page', 'worker']);
const TARGET_TIMEOUT_MS = 240_000;

const OUT = join(ROOT, 'build/runtimes');
const APP = join(OUT, 'app');
const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.log(`  FAIL ${msg}`);
};

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`);
}

// ---- build, pack, install ----------------------------------------------------------------------

function buildAndPack() {
  if (!NO_BUILD) {
    console.log('== build (clean dist/)');
    rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
    run('npm', ['run', '--silent', 'build']);
  }
  console.log('== npm pack');
  mkdirSync(OUT, { recursive: true });
  for (const f of readdirSync(OUT)) if (f.endsWith('.tgz')) rmSync(join(OUT, f));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', OUT], { encoding: 'utf8' }))[0];
  const files = packed.files.map((f) => f.path);
  const required = new Set(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/webgpu.js', 'dist/webgpu/index.d.ts']);
  // Every file that package.json's `exports` points at (each entry's types and import targets).
  const { exports } = JSON.parse(readFileSync('package.json', 'utf8'));
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v ?? {}).flatMap(targets));
  for (const t of targets(exports)) required.add(t.replace(/^\.\//, ''));
  for (const f of required) if (!files.includes(f)) fail(`the tarball lacks ${f}`);
  const stray = files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
  if (stray.length) fail(`the tarball holds files outside dist/: ${stray.join(', ')}`);
  console.log(`  ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked`);
  return join(OUT, packed.filename);
}

function installApp(tarball) {
  console.log('== install the tarball into build/runtimes/app');
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(APP, { recursive: true });
  const ortVersion = JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8')).version;
  const pkg = {
    name: 'edgeoptim-runtime-smoke',
    private: true,
    type: 'module',
    dependencies: { edgeoptim: `file:${tarball}`, 'onnxruntime-web': ortVersion },
  };
  writeFileSync(join(APP, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: APP });
  for (const f of ['smoke.mjs', 'main.mjs', 'page.html', 'page.mjs', 'worker.mjs']) copyFileSync(join('test/runtimes', f), join(APP, f));
}

// ---- package checks: exports, declarations, sizes ------------------------------------------------

const CONSUMER_TS = `// Compiled by scripts/test-runtimes.mjs against the installed package's declarations.
import { init, Adam, AdamW, Optimizer, RULES, InvalidOptionError, type StateDict } from 'edgeoptim';
import { createOptimizer, probeWebGpu, type DeviceOptimizer } from 'edgeoptim/webgpu';

export async function main(): Promise<number> {
  await init();
  const opt = new AdamW({ w: [4, 3], b: new Float32Array(3) }, { lr: 1e-3, betas: [0.9, 0.999] });
  const w: Float32Array = opt.param('w');
  opt.grad('w').fill(1);
  opt.step();
  const sd: StateDict = opt.stateDict();
  const generic = new Optimizer(RULES.sgd, { x: [2] }, { lr: 0.1 });
  // @ts-expect-error a misspelled option is a type error
  new Adam({ w: [1] }, { learningRate: 1 });
  const probe = await probeWebGpu();
  let dev: DeviceOptimizer<object> | null = null;
  if (probe.available) dev = await createOptimizer('adam', { w: [3] }, {});
  return w.length + sd.rule.length + generic.param('x').length + (dev ? 1 : 0) + (new InvalidOptionError('x') instanceof Error ? 1 : 0);
}
`;

function checkTypes() {
  console.log('== type declarations (tsc, moduleResolution node16 and bundler)');
  writeFileSync(join(APP, 'consumer.ts'), CONSUMER_TS);
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  for (const [label, mod, res] of [['node16', 'node16', 'node16'], ['bundler', 'esnext', 'bundler']]) {
    const cfg = {
      compilerOptions: {
        target: 'es2022', module: mod, moduleResolution: res, strict: true, noEmit: true,
        lib: ['es2022', 'dom'], types: [], skipLibCheck: false,
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(APP, `tsconfig.${label}.json`), JSON.stringify(cfg, null, 2));
    const r = spawnSync(tsc, ['-p', `tsconfig.${label}.json`], { cwd: APP, encoding: 'utf8' });
    if (r.status === 0) console.log(`  ok   ${label}`);
    else fail(`tsc (${label}) rejects the published declarations:\n${(r.stdout + r.stderr).trim().split('\n').slice(0, 15).join('\n')}`);
  }
}

async function bundleSize(label, contents) {
  const result = await build({
    stdin: { contents, resolveDir: APP, sourcefile: `${label}.js` },
    absWorkingDir: APP,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['onnxruntime-web', 'onnxruntime-web/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { label, min: code.length, gzip: gzipSync(code, { level: 9 }).length, text: new TextDecoder().decode(code), inputs: Object.keys(result.metafile.inputs) };
}

async function checkSizes() {
  console.log('== bundle sizes (esbuild --minify, gzip -9), ONNX Runtime Web (the optional peer) excluded');
  const typical = await bundleSize('core, one rule', "import { init, AdamW } from 'edgeoptim';\nawait init();\nconst o = new AdamW({ w: [8] });\no.step();\nexport { o };\n");
  const core = await bundleSize('core, every export', "export * from 'edgeoptim';\n");
  const gpuOnly = await bundleSize('GPU path (edgeoptim/webgpu)', "export * from 'edgeoptim/webgpu';\n");
  const both = await bundleSize('core + GPU path', "export * from 'edgeoptim';\nexport * from 'edgeoptim/webgpu';\n");
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = [typical, core, gpuOnly, both];
  console.log('  | bundle | minified | min + gzip |\n  |---|---|---|');
  for (const r of rows) console.log(`  | ${r.label} | ${kib(r.min)} | ${kib(r.gzip)} |`);
  console.log(`  GPU path adds ${kib(both.gzip - core.gzip)} gzipped to the core.`);
  // The GPU path must not leak into a core-only bundle.
  for (const r of [typical, core]) {
    const leaks = ['onnxruntime-web', 'InferenceSession', 'fromGpuBuffer', 'requestAdapter'].filter((s) => r.text.includes(s));
    if (leaks.length) fail(`the ${r.label} bundle contains GPU-path code (${leaks.join(', ')})`);
    if (r.inputs.some((i) => i.endsWith('dist/webgpu.js'))) fail(`the ${r.label} bundle includes dist/webgpu.js`);
  }
  if (!(typical.min < core.min)) fail('tree shaking: a one-rule bundle is not smaller than the whole core');
  // The core must build for a platform with no Node built-ins at all.
  try {
    await build({ stdin: { contents: "export * from 'edgeoptim';", resolveDir: APP }, bundle: true, platform: 'neutral', mainFields: ['module', 'main'], write: false, logLevel: 'silent' });
    console.log('  ok   the core bundles for platform "neutral" (no Node built-ins)');
  } catch (err) {
    fail(`the core does not bundle without Node built-ins: ${err.message.split('\n')[0]}`);
  }
  const sizes = Object.fromEntries(rows.map((r) => [r.label, { min: r.min, gzip: r.gzip }]));
  writeFileSync(join(OUT, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
}

// ---- runtimes -------------------------------------------------------------------------------------

function works(cmd, argv = ['--version']) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim().split('\n')[0];
  } catch {
    return null;
  }
}

function findDeno() {
  for (const c of [process.env.DENO_PATH, join(ROOT, 'node_modules/.bin/deno'), join(ROOT, 'node_modules/deno/deno')]) {
    if (c && existsSync(c) && works(c)) return c;
  }
  return null;
}

/** npm's `bun` links its binary in a postinstall; if that did not run, use the platform package's binary. */
function findBun() {
  const candidates = [process.env.BUN_PATH, join(ROOT, 'node_modules/.bin/bun')];
  const oven = join(ROOT, 'node_modules/@oven');
  if (existsSync(oven)) for (const d of readdirSync(oven)) candidates.push(join(oven, d, 'bin/bun'));
  for (const c of candidates) if (c && existsSync(c) && works(c)) return c;
  return null;
}

/** Runs a runtime on main.mjs and returns the parsed SMOKE_RESULT line. */
function runProcess(cmd, argv) {
  return new Promise((ok, no) => {
    const child = spawn(cmd, argv, { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      no(new Error(`timed out after ${TARGET_TIMEOUT_MS / 1000} s\n${stderr.slice(-2000)}`));
    }, TARGET_TIMEOUT_MS);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('SMOKE_RESULT '));
      if (line) ok(JSON.parse(line.slice('SMOKE_RESULT '.length)));
      else no(new Error(`exited with ${code} and no result\n${(stdout + stderr).slice(-3000)}`));
    });
  });
}

async function bundleWorker() {
  const ortUrl = '/node_modules/onnxruntime-web/dist/ort.webgpu.bundle.min.mjs';
  await build({
    entryPoints: [join(APP, 'worker.mjs')],
    absWorkingDir: APP,
    outfile: join(APP, 'worker.bundle.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
    // ONNX Runtime loads its .wasm next to its own module: keep it a separate file, by URL.
    plugins: [{ name: 'ort-url', setup(b) { b.onResolve({ filter: /^onnxruntime-web(\/webgpu)?$/ }, () => ({ path: ortUrl, external: true })); } }],
  });
}

async function runBrowserTargets(targets, results) {
  const { chromiumAvailable, launchChromium } = await import('../test/runtimes/chromium.mjs');
  const { startServer } = await import('../test/runtimes/serve.mjs');
  if (!chromiumAvailable()) {
    for (const t of targets) results[t] = { missing: 'Chromium is not installed (/usr/bin/chromium); run scripts/install-system-deps.sh' };
    return;
  }
  await bundleWorker();
  // The page runs without cross-origin isolation, the worker with it: both configurations load.
  const plain = await startServer({ root: APP });
  const isolated = await startServer({ root: APP, isolated: true });
  const browser = await launchChromium({ webgpu: true });
  try {
    for (const target of targets) {
      const server = target === 'worker' ? isolated : plain;
      const page = await browser.newPage();
      const logs = [];
      page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
      try {
        await page.goto(`${server.url}/page.html?target=${target}`);
        await page.waitForFunction(() => window.__smoke || window.__smokeError, null, { timeout: TARGET_TIMEOUT_MS, polling: 250 });
        const { result, error } = await page.evaluate(() => ({ result: window.__smoke, error: window.__smokeError }));
        if (error) throw new Error(error);
        result.expectIsolated = target === 'worker';
        // "Say so once": console lines about falling back to one thread.
        result.threadNotices = logs.filter((l) => /thread/i.test(l) && /isolat|one thread|single thread/i.test(l)).length;
        results[target] = result;
      } catch (err) {
        results[target] = { error: `${err.message}\n${logs.slice(-20).join('\n')}` };
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await plain.close();
    await isolated.close();
  }
}

async function runTargets() {
  const results = {};
  const procs = {
    node: () => [process.execPath, ['main.mjs']],
    deno: () => {
      const deno = findDeno();
      return deno && [deno, ['run', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', '--no-prompt', '--no-lock', 'main.mjs']];
    },
    bun: () => {
      const bun = findBun();
      return bun && [bun, ['main.mjs']];
    },
  };
  for (const t of TARGETS.filter((x) => procs[x])) {
    console.log(`== ${t}`);
    const found = procs[t]();
    if (!found) {
      results[t] = { missing: `${t} is not installed (npm devDependency '${t}')` };
      continue;
    }
    const t0 = Date.now();
    try {
      results[t] = await runProcess(...found);
      results[t].wall = (Date.now() - t0) / 1000;
    } catch (err) {
      results[t] = { error: err.message };
    }
  }
  const browserTargets = TARGETS.filter((x) => x === 'page' || x === 'worker');
  if (browserTargets.length) {
    console.log(`== chromium: ${browserTargets.join(', ')}`);
    await runBrowserTargets(browserTargets, results);
  }
  return results;
}

// ---- verdict ----------------------------------------------------------------------------------

function judge(results) {
  const reference = results.node?.cpu;
  if (!reference) fail('no Node result to compare against');
  const rows = [];
  for (const t of TARGETS) {
    const r = results[t];
    if (!r) continue;
    if (r.missing) {
      if (CI) fail(`${t}: ${r.missing}`);
      rows.push([t, 'MISSING', r.missing, '', '']);
      continue;
    }
    if (r.error) {
      fail(`${t}: ${r.error}`);
      rows.push([t, 'FAIL', r.error.split('\n')[0], '', '']);
      continue;
    }
    const problems = [];
    for (const [rule, msg] of Object.entries(r.cpu.errors)) problems.push(`${rule}: ${msg}`);
    let same = 0;
    if (reference) {
      for (const [rule, want] of Object.entries(reference.rules)) {
        const got = r.cpu.rules[rule];
        if (!got) continue;
        if (got.digest === want.digest) same++;
        else problems.push(`${rule}: digest ${got.digest} != node ${want.digest} (a[0..1] bits ${got.head} vs ${want.head})`);
      }
    }
    if (r.expectIsolated !== undefined && r.crossOriginIsolated !== r.expectIsolated) {
      problems.push(`crossOriginIsolated is ${r.crossOriginIsolated}, expected ${r.expectIsolated}`);
    }
    const g = r.webgpu;
    let gpuText = g.status;
    if (g.status === 'passed') gpuText = `passed (${Object.keys(g.rules).join(', ')}; ${g.seconds} s)`;
    else if (g.status === 'skipped') {
      gpuText = `skipped: ${g.reason}`;
      if (CI && GPU_EXPECTED.has(t)) problems.push(`WebGPU expected here: ${g.reason}`);
    } else problems.push(`webgpu: ${JSON.stringify(g.errors)}`);
    const th = r.threads;
    let threadText = th.status;
    if (th.status === 'passed') threadText = `${th.threads} threads, ${th.rules.length} rules bit-identical to 1 thread`;
    else if (th.status === 'fallback') threadText = `1 thread: ${th.reason}`;
    else if (th.status === 'skipped') threadText = `skipped: ${th.reason}`;
    else problems.push(`threads: ${JSON.stringify(th.errors)}`);
    if (r.expectIsolated === false && th.status !== 'fallback' && th.status !== 'skipped') {
      problems.push(`threads: a page without cross-origin isolation should fall back to one thread (got ${th.status})`);
    }
    if (r.threadNotices !== undefined) {
      threadText += `; fallback notices on the console: ${r.threadNotices}`;
      if (r.threadNotices > 1) problems.push(`threads: the one-thread fallback was announced ${r.threadNotices} times (once is enough)`);
      if (th.status === 'fallback' && r.threadNotices !== 1) problems.push(`threads: the one-thread fallback should be announced once on the console (got ${r.threadNotices})`);
    }
    for (const p of problems) fail(`${t}: ${p}`);
    const total = Object.keys(reference?.rules ?? {}).length;
    rows.push([t, problems.length ? 'FAIL' : 'ok', `${r.runtime}; ${r.cpu.kernels}; ${same}/${total} rules bit-identical to node`, threadText, gpuText]);
  }
  console.log('\n| target | result | CPU path | threads | WebGPU path |\n|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

let results = {};
try {
  installApp(buildAndPack());
  checkTypes();
  await checkSizes();
  results = await runTargets();
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  judge(results);
} catch (err) {
  fail(err.stack ?? String(err));
}
if (failures.length) {
  console.log(`\ntest:runtimes: ${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`\ntest:runtimes: all ${TARGETS.length} targets passed`);
