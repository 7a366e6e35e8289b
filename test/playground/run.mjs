// `npm run test:playground`: the browser playground in headless Debian Chromium. Builds it, serves
// it on 127.0.0.1, and checks that the page loads without console errors, that the worker reports
// its rules, that a run animates (more of every trajectory is drawn as frames pass), that a bad
// option comes back as the rule's own error, and that a screenshot shows every trajectory's colour.
// The screenshot is kept at build/playground/screenshot.png. With CI=true a missing Chromium fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlayground } from '../../scripts/playground.mjs';
import { chromiumAvailable, launchChromium } from '../runtimes/chromium.mjs';
import { startServer } from '../runtimes/serve.mjs';

const CI = process.env.CI === 'true';
const TIMEOUT = 60_000;
/** Pixels within this RGB distance of a trajectory's colour count as that trajectory. */
const COLOR_TOLERANCE = 40;
const MIN_PIXELS = 25;

let failures = 0;
function check(ok, what) {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

/** Counts, per colour, the pixels of an RGBA buffer close to it (runs in the page). */
function countColors({ data, colors, tolerance }) {
  const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const counts = colors.map(() => 0);
  for (let p = 0; p < data.length; p += 4) {
    for (let k = 0; k < rgb.length; k++) {
      const [r, g, b] = rgb[k];
      const d = (data[p] - r) ** 2 + (data[p + 1] - g) ** 2 + (data[p + 2] - b) ** 2;
      if (d < tolerance * tolerance) counts[k]++;
    }
  }
  return counts;
}

async function canvasCounts(page, colors) {
  return page.evaluate(({ colors, tolerance, fn }) => {
    // Read a copy, so the page's own canvas never sees a readback.
    const c = document.getElementById('plot');
    const copy = new OffscreenCanvas(c.width, c.height).getContext('2d', { willReadFrequently: true });
    copy.drawImage(c, 0, 0);
    const data = copy.getImageData(0, 0, c.width, c.height).data;
    return new Function(`return (${fn})`)()({ data, colors, tolerance });
  }, { colors, tolerance: COLOR_TOLERANCE, fn: countColors.toString() });
}

if (!chromiumAvailable()) {
  console.log(`test:playground: ${CI ? 'FAIL' : 'skipped'}: /usr/bin/chromium is missing (scripts/install-system-deps.sh installs it)`);
  process.exit(CI ? 1 : 0);
}

const dir = await buildPlayground();
const server = await startServer({ root: dir });
// WebGPU on (SwiftShader), so the personalization panel finds an adapter for its GPU path.
const browser = await launchChromium({ webgpu: true });
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });

  console.log(`== ${server.url}/`);
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => ['ready', 'error'].includes(window.__playground?.state), null, { timeout: TIMEOUT });
  const ready = await page.evaluate(() => ({ state: window.__playground.state, status: document.getElementById('status').textContent }));
  check(ready.state === 'ready', `the worker started edgeoptim: "${ready.status}"`);
  const ruleCount = await page.locator('#rules input[type=checkbox]').count();
  const checked = await page.locator('#rules input[type=checkbox]:checked').count();
  check(ruleCount >= 3 && checked >= 3, `${ruleCount} rules listed, ${checked} picked by default`);

  // A run on Beale, animated at 3 steps per frame.
  await page.selectOption('#fn', 'beale');
  await page.fill('#speed', '3');
  await page.fill('#extra', '{"nus": [0.7, 1]}'); // QHAdam's, ignored by the rules without nus
  await page.click('#run');
  await page.waitForFunction(() => window.__playground.state === 'running' && window.__playground.drawnSteps >= 45, null, { timeout: TIMEOUT, polling: 'raf' });
  const colors = await page.evaluate(() => window.__playground.colors);
  const early = await canvasCounts(page, colors);
  const earlyStep = await page.evaluate(() => window.__playground.drawnSteps);
  await page.waitForFunction(() => window.__playground.state === 'done', null, { timeout: TIMEOUT });
  const done = await page.evaluate(() => ({ ...window.__playground }));
  const late = await canvasCounts(page, colors);
  check(done.frames >= 20, `the run animated over ${done.frames} frames to step ${done.drawnSteps} (the worker took ${done.workerMs.toFixed(1)} ms)`);
  const grew = late.reduce((a, b) => a + b, 0) > early.reduce((a, b) => a + b, 0);
  check(grew, `trajectories grew between step ${earlyStep} and step ${done.drawnSteps} (${early.reduce((a, b) => a + b, 0)} -> ${late.reduce((a, b) => a + b, 0)} coloured pixels)`);
  const legendText = await page.locator('#legend').innerText();
  check(!/Error/.test(legendText), `every picked rule ran: ${legendText.replace(/\n+/g, '; ')}`);

  // The screenshot, checked for every trajectory's colour by decoding it in the browser.
  mkdirSync(dir, { recursive: true });
  const shotPath = join(dir, 'screenshot.png');
  const shot = await page.screenshot({ path: shotPath, fullPage: true });
  const shotPage = await browser.newPage();
  const counts = await shotPage.evaluate(async ({ b64, colors, tolerance, fn }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = new OffscreenCanvas(img.width, img.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    return new Function(`return (${fn})`)()({ data, colors, tolerance });
  }, { b64: shot.toString('base64'), colors, tolerance: COLOR_TOLERANCE, fn: countColors.toString() });
  await shotPage.close();
  const names = done.colors.map((c, i) => `${c}: ${counts[i]} px`).join(', ');
  check(counts.every((n) => n >= MIN_PIXELS), `the screenshot (${shotPath}) shows every trajectory (${names})`);

  // A bad option is the rule's own error in the legend, not a console error.
  await page.fill('#rules input[data-lr="adam"]', '-1');
  await page.click('#run');
  await page.waitForFunction(() => window.__playground.state === 'done', null, { timeout: TIMEOUT });
  const errText = await page.locator('#legend').innerText();
  const adamLine = errText.split('\n').find((l) => /^adam\b/.test(l)) ?? '(no adam entry)';
  check(/InvalidOptionError: Invalid learning rate/.test(adamLine), `a negative lr for adam shows "${adamLine}"`);

  // The on-device personalization panel: the head trains on the CPU path (ORT's wasm EP runs the
  // forward+backward graph, edgeoptim's wasm kernel steps) until its loss is below chance (ln 3).
  const panel = page.locator('.edgeoptim-personalize');
  await panel.scrollIntoViewIfNeeded();
  await panel.locator('select').first().selectOption('cpu');
  await panel.locator('button', { hasText: 'Train' }).click();
  const lossOf = (text) => Number(/loss ([\d.]+)/.exec(text)?.[1] ?? NaN);
  await page.waitForFunction(
    () => { const m = /loss ([\d.]+)/.exec(document.querySelector('.edgeoptim-personalize pre')?.textContent ?? ''); return m && Number(m[1]) < 1.0986; },
    null, { timeout: TIMEOUT },
  ).catch(() => {});
  const panelText = await panel.locator('pre').innerText();
  check(lossOf(panelText) < 1.0986, `the personalization panel trained a classifier head on the CPU path: "${panelText.trim()}"`);

  check(problems.length === 0, `no console errors or failed requests${problems.length ? `: ${problems.join(' | ')}` : ''}`);
  writeFileSync(join(dir, 'test-result.json'), `${JSON.stringify({ failures, problems, frames: done.frames, counts }, null, 2)}\n`);
} finally {
  await browser.close();
  await server.close();
}
console.log(`\ntest:playground: ${failures ? `${failures} check(s) failed` : 'all checks passed'}`);
process.exit(failures ? 1 : 0);
