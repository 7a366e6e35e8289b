// Hand-written SVG charts for the demo: line charts (loss curves) and contour plots of the toy
// functions with optimizer trajectories drawn on top. No chart library, no DOM: strings only.
import type { ToyFunction } from './toy-functions';

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), then a few more. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#BCBD22'];

export interface Series {
  readonly label: string;
  readonly color: string;
  /** y values at x = 1, 2, ... (or at `x`). */
  readonly values: ArrayLike<number>;
  readonly x?: ArrayLike<number>;
}

export interface PathSeries {
  readonly label: string;
  readonly color: string;
  /** x0, y0, x1, y1, ... in function coordinates. */
  readonly points: ArrayLike<number>;
  /** Shown after the label in the legend (e.g. the final value). */
  readonly note?: string;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return Number(v.toPrecision(4)).toString();
}

function legend(items: { label: string; color: string; note?: string }[], x: number, y: number): string {
  const rows = items.map((it, i) => {
    const yy = y + i * 18;
    const note = it.note ? `<tspan dx="6" fill="#555">${esc(it.note)}</tspan>` : '';
    return `<line x1="${x}" y1="${yy}" x2="${x + 22}" y2="${yy}" stroke="${it.color}" stroke-width="3" stroke-linecap="round"/>`
      + `<text x="${x + 30}" y="${yy + 4}" font-size="12" ${FONT} fill="#222">${esc(it.label)}${note}</text>`;
  });
  return rows.join('\n');
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** 1, 2 and 5 times each power of ten whose log10 lies in [lo, hi]. */
function logTicks125(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let d = Math.floor(lo); d <= Math.ceil(hi); d++) {
    for (const k of [1, 2, 5]) {
      const t = Number((k * 10 ** d).toPrecision(6));
      const l = Math.log10(t);
      if (l >= lo - 1e-9 && l <= hi + 1e-9) ticks.push(t);
    }
  }
  return ticks;
}

/** A line chart: one line per series, axes with round ticks, a legend on the right. */
export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const W = o.width ?? 820;
  const H = o.height ?? 460;
  const m = { left: 70, right: 210, top: 44, bottom: 52 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ty = (v: number): number => (o.logY ? Math.log10(v) : v);
  let xMax = 1;
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v) || (o.logY && v <= 0)) continue;
      yLo = Math.min(yLo, ty(v));
      yHi = Math.max(yHi, ty(v));
      xMax = Math.max(xMax, s.x ? s.x[i] : i + 1);
    }
  }
  if (!Number.isFinite(yLo)) [yLo, yHi] = [0, 1];
  if (yHi - yLo < 1e-12) [yLo, yHi] = [yLo - 0.5, yHi + 0.5];
  const pad = (yHi - yLo) * 0.04;
  [yLo, yHi] = [yLo - pad, yHi + pad];
  const sx = (x: number): number => m.left + ((x - 1) / Math.max(xMax - 1, 1)) * pw;
  const sy = (v: number): number => m.top + (1 - (ty(v) - yLo) / (yHi - yLo)) * ph;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${m.left}" y="26" font-size="16" font-weight="600" ${FONT} fill="#111">${esc(o.title)}</text>`);
  // Grid and ticks.
  const yTicks = o.logY
    ? Array.from({ length: Math.floor(yHi) - Math.ceil(yLo) + 1 }, (_, k) => 10 ** (Math.ceil(yLo) + k))
    : niceTicks(yLo, yHi, 6);
  // A log range narrower than a few decades: 1, 2 and 5 in every decade, so each curve has labels near it.
  const yTickValues = o.logY && yTicks.length < 3 ? logTicks125(yLo, yHi) : yTicks;
  for (const t of yTickValues) {
    const y = r1(sy(t));
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y}" dy="4" text-anchor="end" font-size="11" ${FONT} fill="#444">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(1, xMax, 8)) {
    if (t < 1 || (!series.some((s) => s.x) && !Number.isInteger(t))) continue; // x = 1, 2, ...: whole ticks
    const x = r1(sx(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle" font-size="11" ${FONT} fill="#444">${formatTick(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle" font-size="12" ${FONT} fill="#222">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT} fill="#222">${esc(o.yLabel)}${o.logY ? ' (log scale)' : ''}</text>`);
  // Lines.
  parts.push(`<clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  for (const s of series) {
    const pts: string[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v) || (o.logY && v <= 0)) continue;
      pts.push(`${r1(sx(s.x ? s.x[i] : i + 1))},${r1(sy(v))}`);
    }
    parts.push(`<polyline clip-path="url(#plot)" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" points="${pts.join(' ')}"/>`);
  }
  parts.push(legend(series.map((s) => ({ label: s.label, color: s.color })), m.left + pw + 18, m.top + 10));
  parts.push('</svg>');
  return parts.join('\n');
}

// ---- contour plots ------------------------------------------------------------------------------

/** Contour levels of f over a sampled grid: log-spaced above the minimum, or evenly spaced. */
export function contourLevels(values: Float64Array, count: number, log: boolean, decades = 6): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const t = k / (count + 1);
    levels.push(log ? lo + span * 10 ** (-decades * (1 - t)) : lo + span * t);
  }
  return levels;
}

/**
 * Marching squares over an (n+1)×(n+1) grid of samples: the segments where f crosses `level`, as
 * an SVG path in pixel coordinates.
 */
function isoline(z: Float64Array, n: number, level: number, px: (i: number) => number, py: (j: number) => number): string {
  const at = (i: number, j: number): number => z[j * (n + 1) + i];
  let d = '';
  const lerp = (a: number, b: number): number => (level - a) / (b - a);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const v0 = at(i, j); // bottom-left
      const v1 = at(i + 1, j); // bottom-right
      const v2 = at(i + 1, j + 1); // top-right
      const v3 = at(i, j + 1); // top-left
      const c = (v0 > level ? 1 : 0) | (v1 > level ? 2 : 0) | (v2 > level ? 4 : 0) | (v3 > level ? 8 : 0);
      if (c === 0 || c === 15) continue;
      // Crossing points on the four edges (bottom, right, top, left).
      const e = [
        (): [number, number] => [px(i + lerp(v0, v1)), py(j)],
        (): [number, number] => [px(i + 1), py(j + lerp(v1, v2))],
        (): [number, number] => [px(i + lerp(v3, v2)), py(j + 1)],
        (): [number, number] => [px(i), py(j + lerp(v0, v3))],
      ];
      const seg = (a: number, b: number): void => {
        const [x1, y1] = e[a]();
        const [x2, y2] = e[b]();
        d += `M${r1(x1)} ${r1(y1)}L${r1(x2)} ${r1(y2)}`;
      };
      const center = (v0 + v1 + v2 + v3) / 4 > level;
      switch (c) {
        case 1: case 14: seg(3, 0); break;
        case 2: case 13: seg(0, 1); break;
        case 3: case 12: seg(3, 1); break;
        case 4: case 11: seg(1, 2); break;
        case 6: case 9: seg(0, 2); break;
        case 7: case 8: seg(3, 2); break;
        case 5: if (center) { seg(3, 2); seg(0, 1); } else { seg(3, 0); seg(1, 2); } break;
        case 10: if (center) { seg(3, 0); seg(1, 2); } else { seg(3, 2); seg(0, 1); } break;
      }
    }
  }
  return d;
}

/** Slate (low) to tan (high), muted so the coloured trajectories stand out on top. */
function levelColor(t: number): string {
  const stops = [[70, 78, 92], [125, 135, 145], [175, 178, 170], [208, 192, 160], [200, 160, 115]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const k = Math.min(Math.floor(x), stops.length - 2);
  const f = x - k;
  const c = stops[k].map((a, idx) => Math.round(a + (stops[k + 1][idx] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export interface ContourOptions {
  readonly title?: string;
  readonly size?: number;
  readonly grid?: number;
  readonly levels?: number;
}

/** f's contour lines over its domain, with each optimizer's path, start, end and the minima. */
export function contourPlot(fn: ToyFunction, paths: readonly PathSeries[], o: ContourOptions = {}): string {
  const S = o.size ?? 560;
  const n = o.grid ?? 160;
  const m = { left: 50, right: 270, top: 54, bottom: 46 };
  const W = m.left + S + m.right;
  const H = m.top + S + m.bottom;
  const { xMin, xMax, yMin, yMax } = fn.domain;
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * S;
  const sy = (y: number): number => m.top + (1 - (y - yMin) / (yMax - yMin)) * S;
  const z = new Float64Array((n + 1) * (n + 1));
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) z[j * (n + 1) + i] = fn.f(xMin + ((xMax - xMin) * i) / n, yMin + ((yMax - yMin) * j) / n);
  }
  const levels = contourLevels(z, o.levels ?? 22, fn.logLevels, fn.logDecades);
  const px = (i: number): number => m.left + (i / n) * S;
  const py = (j: number): number => m.top + (1 - j / n) * S;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${m.left}" y="24" font-size="16" font-weight="600" ${FONT} fill="#111">${esc(o.title ?? fn.name)}</text>`);
  parts.push(`<text x="${m.left}" y="42" font-size="12" ${FONT} fill="#444">${esc(fn.formula)}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${S}" height="${S}" fill="#fbfbf8"/>`);
  parts.push(`<clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${S}" height="${S}"/></clipPath>`);
  parts.push('<g clip-path="url(#plot)" fill="none" stroke-width="1">');
  levels.forEach((level, k) => {
    const d = isoline(z, n, level, px, py);
    if (d) parts.push(`<path d="${d}" stroke="${levelColor(k / Math.max(levels.length - 1, 1))}" stroke-opacity="0.8"/>`);
  });
  parts.push('</g>');
  // Axes.
  for (const t of niceTicks(xMin, xMax, 8)) {
    parts.push(`<text x="${r1(sx(t))}" y="${m.top + S + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#444">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(yMin, yMax, 8)) {
    parts.push(`<text x="${m.left - 6}" y="${r1(sy(t))}" dy="4" text-anchor="end" font-size="11" ${FONT} fill="#444">${formatTick(t)}</text>`);
  }
  parts.push(`<text x="${m.left + S / 2}" y="${H - 10}" text-anchor="middle" font-size="12" ${FONT} fill="#222">x</text>`);
  parts.push(`<text x="14" y="${m.top + S / 2}" text-anchor="middle" font-size="12" ${FONT} fill="#222">y</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${S}" height="${S}" fill="none" stroke="#888"/>`);
  // Minima.
  for (const [x, y] of fn.minima) {
    const [cx, cy] = [sx(x), sy(y)];
    const star = Array.from({ length: 10 }, (_, k) => {
      const a = -Math.PI / 2 + (k * Math.PI) / 5;
      const rr = k % 2 ? 3.5 : 8.5;
      return `${r1(cx + rr * Math.cos(a))},${r1(cy + rr * Math.sin(a))}`;
    }).join(' ');
    parts.push(`<polygon points="${star}" fill="#ffd400" stroke="#333" stroke-width="1"/>`);
  }
  // Trajectories, then their end points, then the shared start.
  parts.push('<g clip-path="url(#plot)">');
  for (const p of paths) {
    const pts: string[] = [];
    for (let k = 0; k + 1 < p.points.length; k += 2) pts.push(`${r1(sx(p.points[k]))},${r1(sy(p.points[k + 1]))}`);
    parts.push(`<polyline fill="none" stroke="${p.color}" stroke-width="2.2" stroke-opacity="0.9" stroke-linejoin="round" stroke-linecap="round" points="${pts.join(' ')}"/>`);
  }
  for (const p of paths) {
    const k = p.points.length - 2;
    if (k < 0) continue;
    parts.push(`<circle cx="${r1(sx(p.points[k]))}" cy="${r1(sy(p.points[k + 1]))}" r="4.5" fill="${p.color}" stroke="#fff" stroke-width="1.5"/>`);
  }
  parts.push(`<circle cx="${r1(sx(fn.start[0]))}" cy="${r1(sy(fn.start[1]))}" r="5.5" fill="#fff" stroke="#111" stroke-width="2"/>`);
  parts.push('</g>');
  const items = paths.map((p) => ({ label: p.label, color: p.color, note: p.note }));
  parts.push(legend(items, m.left + S + 18, m.top + 10));
  const y0 = m.top + 10 + items.length * 18 + 14;
  parts.push(`<circle cx="${m.left + S + 29}" cy="${y0}" r="5" fill="#fff" stroke="#111" stroke-width="2"/><text x="${m.left + S + 48}" y="${y0 + 4}" font-size="12" ${FONT} fill="#222">start</text>`);
  if (fn.minima.length) {
    parts.push(`<text x="${m.left + S + 22}" y="${y0 + 24}" font-size="15" ${FONT} fill="#e6b800" stroke="#333" stroke-width="0.5">★</text><text x="${m.left + S + 48}" y="${y0 + 22}" font-size="12" ${FONT} fill="#222">global minimum</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
