// Runs test/gpu/page.html in headless Debian Chromium (WebGPU on SwiftShader) with playwright-core,
// serving the repository from 127.0.0.1. Needs `npm run build` first and /usr/bin/chromium
// (or CHROMIUM_PATH). GPU_TEST_FILTER=text runs only the cases whose name contains it.
// Exit code: 0 all passed, 1 a case failed, 2 Chromium missing.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.GPU_TEST_TIMEOUT_MS ?? 300_000);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };
// Only what the page needs is served.
const ALLOWED = ['dist/', 'test/gpu/', 'node_modules/onnxruntime-web/dist/'];

export async function runChromium({ log = console.log } = {}) {
  if (!existsSync(EXECUTABLE)) return { missing: `Chromium not found at ${EXECUTABLE}` };
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^[/\\]+/, '');
      const file = join(ROOT, path);
      if (!file.startsWith(ROOT + sep) || !ALLOWED.some((a) => path.startsWith(a)) || !(await stat(file)).isFile()) throw new Error('not found');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: EXECUTABLE,
      headless: true,
      args: [
        '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        '--disable-quic', // launch() gives each run a fresh temporary profile
      ],
    });
    const page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') log(`  [page] ${m.text()}`); });
    page.on('pageerror', (e) => log(`  [page error] ${e.message}`));
    const filter = process.env.GPU_TEST_FILTER ? `?filter=${encodeURIComponent(process.env.GPU_TEST_FILTER)}` : '';
    await page.goto(`http://127.0.0.1:${port}/test/gpu/page.html${filter}`);
    await page.waitForFunction(() => window.__gpuResults !== undefined, null, { timeout: TIMEOUT_MS, polling: 500 });
    const adapter = (await page.textContent('#log')).split('\n')[0];
    const results = await page.evaluate(() => window.__gpuResults);
    return { results, adapter };
  } finally {
    await browser?.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await runChromium();
  if (out.missing) {
    console.error(out.missing);
    process.exit(2);
  }
  console.log(out.adapter);
  for (const r of out.results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.note ? `: ${r.note}` : ''}${r.error ? `\n${r.error}` : ''}`);
  const failed = out.results.filter((r) => !r.ok).length;
  console.log(`${out.results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
