// Canvas drawing for the playground: the function as filled contour bands with contour lines,
// its minima, and trajectories drawn up to a given step.
import type { ToyFunction } from '../toy-functions';

/** The canvas maps the function's whole domain; `size` is in CSS pixels. */
export interface View {
  readonly fn: ToyFunction;
  readonly size: number;
}

export function toPixel(v: View, x: number, y: number): [number, number] {
  const { xMin, xMax, yMin, yMax } = v.fn.domain;
  return [((x - xMin) / (xMax - xMin)) * v.size, (1 - (y - yMin) / (yMax - yMin)) * v.size];
}

export function fromPixel(v: View, px: number, py: number): [number, number] {
  const { xMin, xMax, yMin, yMax } = v.fn.domain;
  return [xMin + (px / v.size) * (xMax - xMin), yMax - (py / v.size) * (yMax - yMin)];
}

const STOPS = [[70, 78, 92], [125, 135, 145], [175, 178, 170], [208, 192, 160], [200, 160, 115]];

function ramp(t: number): [number, number, number] {
  const x = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const k = Math.min(Math.floor(x), STOPS.length - 2);
  const f = x - k;
  return [0, 1, 2].map((i) => STOPS[k][i] + (STOPS[k + 1][i] - STOPS[k][i]) * f) as [number, number, number];
}

/**
 * Renders the function into a canvas of `pixels`×`pixels` device pixels: 20 bands (log-spaced
 * where the function spans decades), pale fills, and a darker line where the band changes.
 */
export function renderBackground(fn: ToyFunction, pixels: number): HTMLCanvasElement {
  const n = pixels;
  const z = new Float64Array(n * n);
  const { xMin, xMax, yMin, yMax } = fn.domain;
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < n; j++) {
    const y = yMax - ((j + 0.5) / n) * (yMax - yMin);
    for (let i = 0; i < n; i++) {
      const v = fn.f(xMin + ((i + 0.5) / n) * (xMax - xMin), y);
      z[j * n + i] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const span = hi - lo || 1;
  const decades = fn.logDecades ?? 6;
  const BANDS = 20;
  const band = new Int32Array(n * n);
  for (let k = 0; k < z.length; k++) {
    const u = (z[k] - lo) / span;
    const t = fn.logLevels ? 1 + Math.log10(Math.max(u, 1e-300)) / decades : u;
    band[k] = Math.min(BANDS - 1, Math.max(0, Math.floor(t * BANDS)));
  }
  const canvas = document.createElement('canvas');
  canvas.width = n;
  canvas.height = n;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(n, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const k = j * n + i;
      const b = band[k];
      const [r, g, bl] = ramp(b / (BANDS - 1));
      const edge = (i + 1 < n && band[k + 1] !== b) || (j + 1 < n && band[k + n] !== b);
      const mix = edge ? 0.15 : 0.78; // share of white: pale bands, darker lines between them
      const o = 4 * k;
      img.data[o] = r + (255 - r) * mix;
      img.data[o + 1] = g + (255 - g) * mix;
      img.data[o + 2] = bl + (255 - bl) * mix;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

export function drawStar(ctx: CanvasRenderingContext2D, cx: number, cy: number): void {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    const r = k % 2 ? 4 : 10;
    ctx.lineTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  ctx.closePath();
  ctx.fillStyle = '#ffd400';
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1;
  ctx.fill();
  ctx.stroke();
}

/** The path through the first `upto` steps, with a dot at the current point. */
export function drawTrajectory(ctx: CanvasRenderingContext2D, v: View, points: Float64Array, upto: number, color: string): void {
  const last = Math.min(upto, points.length / 2 - 1);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2.5;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.beginPath();
  for (let k = 0; k <= last; k++) {
    const [px, py] = toPixel(v, points[2 * k], points[2 * k + 1]);
    if (k === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  const [cx, cy] = toPixel(v, points[2 * last], points[2 * last + 1]);
  ctx.beginPath();
  ctx.arc(cx, cy, 5, 0, 2 * Math.PI);
  ctx.fillStyle = color;
  ctx.fill();
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

export function drawStart(ctx: CanvasRenderingContext2D, v: View, start: readonly [number, number]): void {
  const [cx, cy] = toPixel(v, start[0], start[1]);
  ctx.beginPath();
  ctx.arc(cx, cy, 6, 0, 2 * Math.PI);
  ctx.fillStyle = '#fff';
  ctx.fill();
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 2;
  ctx.stroke();
}
