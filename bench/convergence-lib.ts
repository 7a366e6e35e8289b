// Convergence of every update rule on two-dimensional test problems: the AdaMomentum paper's toy
// functions (ICLR 2022 submission, Appendix A: Sphere, Three-Hump Camel, Beale, Ackley), the
// saddle point of Ruder's overview (Image 6) and HVAdam's valley (AAAI 2025, Table 1 / Figure 3).
// Used by bench/convergence.ts (the tables in bench/CONVERGENCE.md) and test/convergence.test.ts.
//
// The objectives and gradients are examples/toy-functions.ts's (the demo's plots), used read-only;
// what a convergence table needs besides them is defined here: the start points (pinned, equal to
// the demo's today, so that a change to the plots does not silently change the recorded numbers),
// f*, the tolerances, the saddle's escape level, and a second saddle start. Objectives and gradients
// are evaluated in float64 at the float32 parameters; the gradient is rounded to float32 when
// written into the optimizer, and every update runs through the real wasm kernels.
import { Optimizer } from '../src/optimizer';
import { lookahead } from '../src/lookahead';
import { RULES } from '../src/rules/index';
import type { AnyRuleSpec } from '../src/rules/spec';
import { ACKLEY as T_ACKLEY, BEALE as T_BEALE, HVADAM_VALLEY as T_VALLEY, SADDLE as T_SADDLE, SPHERE as T_SPHERE, THREE_HUMP_CAMEL as T_CAMEL, type ToyFunction } from '../examples/toy-functions';

export type Point = readonly [number, number];

export interface Problem {
  readonly id: string;
  readonly name: string;
  readonly formula: string;
  /** Where the problem comes from. */
  readonly source: string;
  f(x: number, y: number): number;
  /** ∂f/∂x, ∂f/∂y (a subgradient with sign(0) = 0 where f has a kink). */
  grad(x: number, y: number): [number, number];
  readonly start: Point;
  /**
   * 'minimize': steps until f − f* < tol, final distance to the nearest global minimum.
   * 'saddle': f is unbounded below; steps until f < escapeBelow (the run stops there).
   */
  readonly kind: 'minimize' | 'saddle';
  readonly fStar: number;
  readonly optima: readonly Point[];
  /** The tolerance of "reached the optimum" (f − f* < tol). */
  readonly tol: number;
  /** A coarse tolerance: "got near" (reported as the first step below it). */
  readonly coarseTol: number;
  readonly escapeBelow?: number;
}

function problem(t: ToyFunction, extra: Omit<Problem, 'name' | 'formula' | 'f' | 'grad' | 'optima' | 'fStar' | 'kind'> & Partial<Problem>): Problem {
  return {
    name: t.name,
    formula: t.formula,
    f: t.f,
    grad: t.grad,
    optima: t.minima,
    fStar: t.minima.length ? 0 : -Infinity,
    kind: t.minima.length ? 'minimize' : 'saddle',
    ...extra,
  };
}

export const SPHERE = problem(T_SPHERE, { id: 'sphere', source: 'AdaMomentum, Appendix A', start: [-3.2, 2.4], tol: 1e-6, coarseTol: 1e-2 });

// Appendix A prints "2.2" and "x1 x2^2" in Beale's second and third terms (extraction damage); the
// standard Beale function (2.25, x·y³), whose minimum (3, 0.5) the appendix states, is used.
export const BEALE = problem(T_BEALE, { id: 'beale', source: 'AdaMomentum, Appendix A', start: [0.7, 1.4], tol: 1e-6, coarseTol: 1e-2 });

export const THREE_HUMP_CAMEL = problem(T_CAMEL, { id: 'camel', source: 'AdaMomentum, Appendix A', start: [2.2, -1.6], tol: 1e-6, coarseTol: 1e-2 });

/** Local (not global) minima of the Three-Hump Camel, f ≈ 0.2986: where a run can get stuck. */
export const CAMEL_LOCAL_MINIMA: readonly Point[] = [
  [1.7475523, -0.8737762],
  [-1.7475523, 0.8737762],
];

// Near 0, f grows like 2.83·‖θ‖ (a cone): tol 1e-2 means a distance of about 3.5e-3. f < 1 means
// inside the central basin (the nearest local minima, at distance ≈ 0.95, have f ≈ 2.6).
export const ACKLEY = problem(T_ACKLEY, { id: 'ackley', source: 'AdaMomentum, Appendix A', start: [-3.1, 2.6], tol: 1e-2, coarseTol: 1 });

// On the ridge, a hair off the symmetric line y = 0: a rule escapes as fast as it amplifies the
// tiny y-gradient (2e-3 at the first start, 2e-7 at the second).
export const SADDLE = problem(T_SADDLE, { id: 'saddle', source: 'Ruder, overview of gradient descent, Image 6', start: [-1.8, 1e-3], tol: 0, coarseTol: 0, escapeBelow: -1 });
export const SADDLE_NEAR: Problem = { ...SADDLE, id: 'saddle-1e-7', start: [-1.8, 1e-7] };

// x < 0 side: the mirror image (θ → −θ, x ↔ y; exact for every rule here) of (3.5, 1.5), whose
// first gradient (5, −3) is the first column of the paper's Table 1. f ≥ √2·‖θ‖: tol 1e-2 means a
// distance below 7e-3; f < 0.1 means the bottom of the valley within 0.07 of the optimum.
export const VALLEY = problem(T_VALLEY, { id: 'valley', name: 'Valley (HVAdam)', source: 'HVAdam, Table 1 / Figure 1, 3', start: [-1.5, -3.5], tol: 1e-2, coarseTol: 0.1 });

export const PROBLEMS: readonly Problem[] = [SPHERE, THREE_HUMP_CAMEL, BEALE, ACKLEY, SADDLE, SADDLE_NEAR, VALLEY];

export const LR = 0.1;

/** One row of the tables: a rule (or a variant) with the options it runs with. */
export interface Contender {
  /** Row label, e.g. 'adam' or 'sgd (momentum 0.9)'. */
  readonly label: string;
  readonly spec: AnyRuleSpec;
  readonly options: Readonly<Record<string, unknown>>;
  /** Why the options differ from { lr: 0.1 }, when they do. */
  readonly note?: string;
}

/** Display order: classics first, then Adam and its family, then the recent papers' rules. */
const ORDER = [
  'sgd', 'asgd', 'momentum', 'nag', 'qhm', 'adagrad', 'adadelta', 'rmsprop', 'rprop',
  'adam', 'adamw', 'amsgrad', 'adamax', 'nadam', 'radam', 'qhadam', 'qhadamw',
  'adabelief', 'yogi', 'adabound', 'adamomentum', 'hvadam',
];

/** Options for `rule` at the lr 0.1, except where 0.1 means something else for the rule. */
export function ruleOptions(rule: string): { options: Record<string, unknown>; note?: string } {
  if (rule === 'adadelta') {
    return {
      options: { lr: 1 },
      note: "lr is a multiplier on Adadelta's own step (the algorithm has no learning rate; 1 is the paper's form and torch's default)",
    };
  }
  return { options: { lr: LR } };
}

/** Every rule in RULES (rule defaults besides lr), then the extra rows. */
export function contenders(): Contender[] {
  const names = Object.keys(RULES).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
  });
  const rows: Contender[] = names.map((name) => ({ label: name, spec: RULES[name], ...ruleOptions(name) }));
  rows.push({
    label: 'sgd (momentum 0.9)',
    spec: RULES.sgd,
    options: { lr: LR, momentum: 0.9 },
    note: "SGDM as in the AdaMomentum paper's figure (momentum 0.9)",
  });
  rows.push({
    label: 'lookahead(adam)',
    spec: lookahead(RULES.adam),
    options: { lr: LR },
    note: 'Lookahead k = 5, α = 0.5 around Adam',
  });
  return rows;
}

export interface RunResult {
  readonly label: string;
  readonly problem: string;
  readonly start: Point;
  readonly options: Readonly<Record<string, unknown>>;
  readonly budget: number;
  /** Steps taken (fewer than the budget when the run diverged, or a saddle run escaped). */
  readonly steps: number;
  /** First step after which f − f* < coarseTol (minimize); null: never. */
  readonly coarseStep: number | null;
  /** First step after which f − f* < tol (minimize) or f < escapeBelow (saddle); null: never. */
  readonly hitStep: number | null;
  /**
   * Minimize: the step from which f − f* < tol held to the end of the budget; null when it did not
   * hold over at least the last TAIL steps (a run that only just dipped below is not settled).
   */
  readonly settledStep: number | null;
  readonly finalX: number;
  readonly finalY: number;
  readonly finalF: number;
  /** Minimize: distance from the final point to the nearest global minimum. */
  readonly finalDist: number;
  /** Minimize: mean of f − f* over the last TAIL steps of the budget (NaN if it diverged). */
  readonly tailMeanF: number;
  readonly minF: number;
  /** Largest f − f* over the steps from `lateFrom` on (NaN without lateFrom). */
  readonly lateMaxGap: number;
  /** Non-finite parameters, or |x| or |y| above 1e6. */
  readonly diverged: boolean;
  readonly divergedAt: number | null;
}

const FAR = 1e6;
/** Steps at the end of the budget that tailMeanF averages over. */
export const TAIL = 500;

/**
 * Runs `c` on `p` for `budget` steps (float32 parameters, wasm kernels), from `start`; `lateFrom`:
 * also record the largest f − f* from that step on (late instability).
 */
export function runContender(c: Contender, p: Problem, budget: number, start: Point = p.start, lateFrom = Infinity): RunResult {
  const opt = new Optimizer(c.spec, { xy: Float32Array.from(start) }, c.options);
  const theta = opt.param('xy');
  const g = opt.grad('xy');
  const saddle = p.kind === 'saddle';
  const below = p.escapeBelow ?? -Infinity;
  const tailFrom = budget - Math.min(TAIL, budget) + 1;
  let f = p.f(theta[0], theta[1]);
  let minF = f;
  let coarseStep: number | null = null;
  let hitStep: number | null = null;
  let lastAbove = saddle || f - p.fStar >= p.tol ? 0 : -1;
  let tailSum = 0;
  let lateMaxGap = lateFrom <= budget ? -Infinity : NaN;
  let divergedAt: number | null = null;
  let steps = 0;
  for (let t = 1; t <= budget; t++) {
    const [gx, gy] = p.grad(theta[0], theta[1]);
    g[0] = gx;
    g[1] = gy;
    if (!Number.isFinite(g[0]) || !Number.isFinite(g[1])) {
      divergedAt = t;
      break;
    }
    opt.step();
    steps = t;
    const x = theta[0];
    const y = theta[1];
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > FAR || Math.abs(y) > FAR) {
      divergedAt = t;
      break;
    }
    f = p.f(x, y);
    minF = Math.min(minF, f);
    if (saddle) {
      if (f < below) {
        hitStep = t;
        break;
      }
      continue;
    }
    const gap = f - p.fStar;
    if (gap < p.coarseTol) coarseStep ??= t;
    if (gap < p.tol) hitStep ??= t;
    else lastAbove = t;
    if (t >= tailFrom) tailSum += gap;
    if (t >= lateFrom) lateMaxGap = Math.max(lateMaxGap, gap);
  }
  const x = theta[0];
  const y = theta[1];
  const finalDist = p.optima.length ? Math.min(...p.optima.map(([ox, oy]) => Math.hypot(x - ox, y - oy))) : NaN;
  const diverged = divergedAt !== null;
  return {
    label: c.label,
    problem: p.id,
    start,
    options: c.options,
    budget,
    steps,
    coarseStep,
    hitStep,
    settledStep: !saddle && !diverged && lastAbove < tailFrom ? lastAbove + 1 : null,
    finalX: x,
    finalY: y,
    finalF: p.f(x, y),
    finalDist,
    tailMeanF: saddle || diverged ? NaN : tailSum / (budget - tailFrom + 1),
    minF,
    lateMaxGap: diverged && lateFrom <= budget ? Infinity : lateMaxGap,
    diverged,
    divergedAt,
  };
}

/** Seeded starts spread over a box (mulberry32), for the robustness table. */
export function randomStarts(n: number, box: readonly [number, number, number, number], seed: number): Point[] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const [x0, x1, y0, y1] = box;
  return Array.from({ length: n }, () => [Math.fround(x0 + (x1 - x0) * next()), Math.fround(y0 + (y1 - y0) * next())] as const);
}
