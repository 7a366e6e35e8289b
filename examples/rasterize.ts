// SVG → PNG for the demo's plots, with whatever converter this machine has: Debian's
// `rsvg-convert` (librsvg2-bin), else headless Chromium (/usr/bin/chromium through playwright-core).
// Neither is required: without one, the demo writes SVG only and says so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface Rasterized {
  /** The converter used, or null when none is available. */
  readonly tool: string | null;
  readonly files: string[];
}

const SCALE = 2; // PNGs at twice the SVG size, crisp on high-density screens

function hasRsvg(): boolean {
  const r = spawnSync('rsvg-convert', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

async function withChromium(svgs: readonly string[]): Promise<string[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const out: string[] = [];
  try {
    const page = await browser.newPage({ deviceScaleFactor: SCALE });
    for (const svg of svgs) {
      await page.goto(pathToFileURL(svg).href);
      const box = await page.evaluate(() => {
        const el = document.documentElement as unknown as SVGSVGElement;
        return { w: Math.ceil(el.width.baseVal.value), h: Math.ceil(el.height.baseVal.value) };
      });
      await page.setViewportSize({ width: box.w, height: box.h });
      const png = svg.replace(/\.svg$/, '.png');
      await page.screenshot({ path: png, clip: { x: 0, y: 0, width: box.w, height: box.h } });
      out.push(png);
    }
  } finally {
    await browser.close();
  }
  return out;
}

/** Writes a PNG next to each SVG when a converter exists. */
export async function rasterize(svgs: readonly string[]): Promise<Rasterized> {
  if (svgs.length === 0) return { tool: null, files: [] };
  if (hasRsvg()) {
    const files: string[] = [];
    for (const svg of svgs) {
      const png = svg.replace(/\.svg$/, '.png');
      const r = spawnSync('rsvg-convert', ['-z', String(SCALE), '-o', png, svg], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rsvg-convert failed on ${svg}: ${r.stderr}`);
      files.push(png);
    }
    return { tool: 'rsvg-convert', files };
  }
  if (existsSync('/usr/bin/chromium')) {
    try {
      return { tool: 'headless Chromium', files: await withChromium(svgs) };
    } catch (err) {
      console.warn(`PNG conversion with Chromium failed (${(err as Error).message.split('\n')[0]}); SVG only`);
    }
  }
  return { tool: null, files: [] };
}
