// Two-dimensional test functions for watching optimizers move, as in the papers' figures, and a
// trajectory runner that steps any edgeoptim optimizer on them. Pure math and plain data: the
// demo, the browser playground (in a Web Worker) and convergence tables all use this module.

export interface Domain {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

export interface ToyFunction {
  /** Key used by the demo and the playground, e.g. 'beale'. */
  readonly id: string;
  readonly name: string;
  /** The formula, for captions. */
  readonly formula: string;
  f(x: number, y: number): number;
  /** ∂f/∂x, ∂f/∂y (a subgradient where f is not differentiable). */
  grad(x: number, y: number): [number, number];
  /** The plotted window. */
  readonly domain: Domain;
  /** Where trajectories start. */
  readonly start: readonly [number, number];
  /** Global minima (empty for a function unbounded below). */
  readonly minima: readonly (readonly [number, number])[];
  /** Contour levels spaced logarithmically (functions spanning many orders of magnitude). */
  readonly logLevels: boolean;
  /** With logLevels: how many decades below the maximum the levels reach (default 6). */
  readonly logDecades?: number;
  /** Steps that show the interesting part of the run. */
  readonly steps: number;
  /** A learning rate that moves every adaptive rule visibly here; plain SGD gets `sgdLr`. */
  readonly lr: number;
  readonly sgdLr: number;
}

const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);

export const SPHERE: ToyFunction = {
  id: 'sphere',
  name: 'Sphere',
  formula: 'f(x, y) = x² + y²',
  f: (x, y) => x * x + y * y,
  grad: (x, y) => [2 * x, 2 * y],
  domain: { xMin: -4, xMax: 4, yMin: -4, yMax: 4 },
  start: [-3.2, 2.4],
  minima: [[0, 0]],
  logLevels: false,
  steps: 150,
  lr: 0.1,
  sgdLr: 0.02,
};

export const THREE_HUMP_CAMEL: ToyFunction = {
  id: 'three-hump-camel',
  name: 'Three-Hump Camel',
  formula: 'f(x, y) = 2x² − 1.05x⁴ + x⁶/6 + xy + y²',
  f: (x, y) => 2 * x * x - 1.05 * x ** 4 + x ** 6 / 6 + x * y + y * y,
  grad: (x, y) => [4 * x - 4.2 * x ** 3 + x ** 5 + y, x + 2 * y],
  domain: { xMin: -2.4, xMax: 2.4, yMin: -2.4, yMax: 2.4 },
  start: [2.2, -1.6],
  minima: [[0, 0]],
  logLevels: true,
  logDecades: 3.5,
  steps: 250,
  lr: 0.05,
  sgdLr: 0.01,
};

export const BEALE: ToyFunction = {
  id: 'beale',
  name: 'Beale',
  formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  f: (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
  grad: (x, y) => {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    return [
      2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
      2 * a * x + 4 * b * x * y + 6 * c * x * y * y,
    ];
  },
  domain: { xMin: -4.5, xMax: 4.5, yMin: -4.5, yMax: 4.5 },
  start: [0.7, 1.4],
  minima: [[3, 0.5]],
  logLevels: true,
  steps: 500,
  lr: 0.05,
  sgdLr: 0.002,
};

export const ACKLEY: ToyFunction = {
  id: 'ackley',
  name: 'Ackley',
  formula: 'f(x, y) = −20·exp(−0.2·√(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20',
  f: (x, y) => {
    const r = Math.sqrt(0.5 * (x * x + y * y));
    return -20 * Math.exp(-0.2 * r) - Math.exp(0.5 * (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y))) + Math.E + 20;
  },
  grad: (x, y) => {
    const r = Math.sqrt(0.5 * (x * x + y * y));
    const e1 = r === 0 ? 0 : (2 * Math.exp(-0.2 * r)) / r; // ∂/∂x of the first term is e1 · x
    const e2 = Math.exp(0.5 * (Math.cos(2 * Math.PI * x) + Math.cos(2 * Math.PI * y))) * Math.PI;
    return [e1 * x + e2 * Math.sin(2 * Math.PI * x), e1 * y + e2 * Math.sin(2 * Math.PI * y)];
  },
  domain: { xMin: -4, xMax: 4, yMin: -4, yMax: 4 },
  start: [-3.1, 2.6],
  minima: [[0, 0]],
  logLevels: false,
  steps: 400,
  lr: 0.1,
  sgdLr: 0.02,
};

export const SADDLE: ToyFunction = {
  id: 'saddle',
  name: 'Saddle point',
  formula: 'f(x, y) = x² − y²',
  f: (x, y) => x * x - y * y,
  grad: (x, y) => [2 * x, -2 * y],
  domain: { xMin: -2, xMax: 2, yMin: -2, yMax: 2 },
  // Almost on the ridge: a rule escapes as fast as it amplifies the tiny y-gradient.
  start: [-1.8, 1e-3],
  minima: [],
  logLevels: false,
  steps: 200,
  lr: 0.02,
  sgdLr: 0.01,
};

/** The valley from HVAdam's paper (Zhang et al., AAAI 2025): steep walls, a gentle floor along x = y. */
export const HVADAM_VALLEY: ToyFunction = {
  id: 'valley',
  name: 'Valley (HVAdam)',
  formula: 'f(x, y) = 4|x − y| + |x + y|',
  f: (x, y) => 4 * Math.abs(x - y) + Math.abs(x + y),
  grad: (x, y) => {
    const a = 4 * sign(x - y);
    const b = sign(x + y);
    return [a + b, -a + b];
  },
  domain: { xMin: -4, xMax: 4, yMin: -4, yMax: 4 },
  start: [-1.5, -3.5],
  minima: [[0, 0]],
  logLevels: false,
  steps: 300,
  lr: 0.1,
  sgdLr: 0.005,
};

export const TOY_FUNCTIONS: readonly ToyFunction[] = [SPHERE, THREE_HUMP_CAMEL, BEALE, ACKLEY, SADDLE, HVADAM_VALLEY];

export function toyFunction(id: string): ToyFunction {
  const fn = TOY_FUNCTIONS.find((t) => t.id === id);
  if (!fn) throw new Error(`Unknown toy function '${id}'; known: ${TOY_FUNCTIONS.map((t) => t.id).join(', ')}`);
  return fn;
}

/** What a trajectory needs of an optimizer: every edgeoptim optimizer provides it. */
export interface Steppable {
  param(name: string): Float32Array;
  grad(name: string): Float32Array;
  step(): unknown;
}

/** The tensor name trajectory optimizers use: one 2-element tensor [x, y]. */
export const XY = 'xy';

/** An edgeoptim parameter dict for a trajectory starting at `fn.start`. */
export function toyParams(fn: ToyFunction): { xy: Float32Array } {
  return { xy: Float32Array.from(fn.start) };
}

export interface Trajectory {
  /** x0, y0, x1, y1, ...: the start and the point after each step. */
  readonly points: Float64Array;
  /** f at each point. */
  readonly values: Float64Array;
  /** Steps taken (fewer than asked when the run left the plot far behind or diverged). */
  readonly steps: number;
}

/**
 * Steps `opt` (created with `toyParams(fn)`) on `fn` and records where it goes. Stops early when
 * the point is no longer finite or is farther than ten plot-widths away.
 */
export function runTrajectory(fn: ToyFunction, opt: Steppable, steps = fn.steps): Trajectory {
  const p = opt.param(XY);
  const g = opt.grad(XY);
  const points = new Float64Array(2 * (steps + 1));
  const values = new Float64Array(steps + 1);
  const { xMin, xMax, yMin, yMax } = fn.domain;
  const far = 10 * Math.max(xMax - xMin, yMax - yMin);
  points[0] = p[0];
  points[1] = p[1];
  values[0] = fn.f(p[0], p[1]);
  let taken = 0;
  for (let s = 1; s <= steps; s++) {
    const [gx, gy] = fn.grad(p[0], p[1]);
    g[0] = gx;
    g[1] = gy;
    opt.step();
    const [x, y] = [p[0], p[1]];
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > far || Math.abs(y) > far) break;
    points[2 * s] = x;
    points[2 * s + 1] = y;
    values[s] = fn.f(x, y);
    taken = s;
  }
  return { points: points.slice(0, 2 * (taken + 1)), values: values.slice(0, taken + 1), steps: taken };
}

/** Options that make `rule` move visibly on `fn` (its lr; SGD's momentum as in the papers' figures). */
export function toyOptions(fn: ToyFunction, rule: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = rule === 'sgd' ? { lr: fn.sgdLr, momentum: 0.9 } : { lr: fn.lr };
  return { ...base, ...overrides };
}
