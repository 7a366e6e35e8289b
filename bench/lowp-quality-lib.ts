// Quality of low-precision optimizer state against float32, on three kinds of problems (used by
// `npm run bench:lowp -- --quality` and by test/lowp/quality.test.ts):
// - a multi-tensor problem: an ill-conditioned noisy quadratic over six tensors in two groups with
//   parameter scales from 0.01 to 1, curvatures over three decades and an embedding table whose
//   rows get gradients on a quarter of the steps;
// - the toy functions of examples/toy-functions.ts (2-D; 8-bit state needs int8MinElements: 0);
// - the demo's MLP (examples/demo.ts): pretrained on one spiral task, fine-tuned on another.
import { Optimizer, RULES } from '../src/index';
import { mlpLossAndGrad, mlpTensors } from '../examples/mlp';
import { mulberry32, spirals, split, type Dataset } from '../examples/spirals';
import { runTrajectory, toyOptions, toyParams, type ToyFunction } from '../examples/toy-functions';

export type Precision = { label: string; options: Record<string, unknown> };

export const PRECISIONS: readonly Precision[] = [
  { label: 'float32', options: {} },
  { label: 'bfloat16', options: { statePrecision: 'bfloat16' } },
  { label: 'bf16 stochastic', options: { statePrecision: 'bfloat16', stateRounding: 'stochastic' } },
  { label: 'int8', options: { statePrecision: 'int8' } },
  { label: 'int8 stochastic', options: { statePrecision: 'int8', stateRounding: 'stochastic' } },
];

function normal(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

// ---- the multi-tensor problem --------------------------------------------------------------------

interface TensorSpec {
  readonly name: string;
  readonly shape: number[];
  /** Scale of the optimum (and of the start's distance from it). */
  readonly scale: number;
  /** Rows that get a gradient on only a quarter of the steps (an embedding table). */
  readonly sparseRows?: number;
}

const MULTI: readonly (readonly TensorSpec[])[] = [
  [
    { name: 'embed', shape: [256, 48], scale: 0.1, sparseRows: 256 },
    { name: 'w1', shape: [48, 96], scale: 1 },
    { name: 'w2', shape: [96, 10], scale: 0.3 },
  ],
  [
    { name: 'b1', shape: [96], scale: 0.01 },
    { name: 'b2', shape: [10], scale: 0.01 },
    { name: 'gain', shape: [48], scale: 1 },
  ],
];

export interface MultiTensorResult {
  /** Noise-free loss after the last step, relative to the start. */
  readonly finalLoss: number;
  /** Loss relative to the start after each step. */
  readonly losses: Float64Array;
  /** Parameters after each recorded step (every `every` steps), concatenated. */
  readonly snapshots: Float32Array[];
  /** The starting point, concatenated. */
  readonly start: Float32Array;
}

/**
 * f(θ) = Σ ½ h_i (θ_i − θ*_i)² over every element of every tensor, h_i log-uniform in [1e-2, 10];
 * each step's gradient adds noise 0.3·sqrt(h_i)·scale·N(0, 1), and the embedding's rows get a
 * gradient on a random quarter of the steps. The same seed gives the same problem and noise.
 */
export function runMultiTensor(rule: string, options: Record<string, unknown>, steps = 400, seed = 1, every = 20): MultiTensorResult {
  const rand = mulberry32(seed);
  const gauss = normal(rand);
  const flat = MULTI.flat();
  const size = (t: TensorSpec): number => t.shape.reduce((a, b) => a * b, 1);
  const h = flat.map((t) => Float64Array.from({ length: size(t) }, () => 10 ** (3 * rand() - 2)));
  const target = flat.map((t) => Float64Array.from({ length: size(t) }, () => t.scale * gauss()));
  const start = flat.map((t, k) => Float32Array.from(target[k], (x) => x + t.scale * gauss()));
  const groups = MULTI.map((g, gi) => ({
    params: Object.fromEntries(g.map((t) => [t.name, { shape: t.shape, data: start[flat.indexOf(t)] }])),
    ...(gi === 1 ? { weightDecay: 0 } : {}),
  }));
  const opt = new Optimizer(RULES[rule], groups, options);
  const loss = (): number => {
    let f = 0;
    flat.forEach((t, k) => {
      const p = opt.param(t.name);
      for (let i = 0; i < p.length; i++) f += 0.5 * h[k][i] * (p[i] - target[k][i]) ** 2 / t.scale ** 2;
    });
    return f;
  };
  const f0 = loss();
  const losses = new Float64Array(steps);
  const snapshots: Float32Array[] = [];
  const noise = mulberry32(seed + 1000);
  const noiseGauss = normal(noise);
  for (let s = 0; s < steps; s++) {
    flat.forEach((t, k) => {
      const p = opt.param(t.name);
      const g = opt.grad(t.name);
      const cols = size(t) / (t.sparseRows ?? 1);
      for (let i = 0; i < p.length; i++) {
        g[i] = h[k][i] * (p[i] - target[k][i]) + 0.3 * Math.sqrt(h[k][i]) * t.scale * noiseGauss();
      }
      if (t.sparseRows) for (let r = 0; r < t.sparseRows; r++) if (noise() >= 0.25) g.fill(0, r * cols, (r + 1) * cols);
    });
    opt.step();
    losses[s] = loss() / f0;
    if ((s + 1) % every === 0) snapshots.push(Float32Array.from(flat.flatMap((t) => [...opt.param(t.name)])));
  }
  return { finalLoss: losses[steps - 1], losses, snapshots, start: Float32Array.from(start.flatMap((t) => [...t])) };
}

/**
 * How far a run strays from the float32 run: the largest, over the recorded steps, of
 * ‖θ_run − θ_f32‖ / ‖θ_f32 − θ_start‖ (0: the same trajectory; 1: as far as float32 travelled).
 */
export function trajectoryDeviation(run: MultiTensorResult, f32: MultiTensorResult): number {
  const startOf = f32.start;
  let worst = 0;
  run.snapshots.forEach((snap, k) => {
    const ref = f32.snapshots[k];
    let num = 0;
    let den = 0;
    for (let i = 0; i < snap.length; i++) {
      num += (snap[i] - ref[i]) ** 2;
      den += (ref[i] - startOf[i]) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(num / den));
  });
  return worst;
}

// ---- toy functions -------------------------------------------------------------------------------

export interface ToyResult {
  readonly finalValue: number;
  readonly points: Float64Array;
}

/** A trajectory on a toy function; 8-bit state is forced onto the 2-element tensor (int8MinElements: 0). */
export function runToy(fn: ToyFunction, rule: string, precision: Precision, extra: Record<string, unknown> = {}): ToyResult {
  const opt = new Optimizer(RULES[rule], toyParams(fn), { ...toyOptions(fn, rule, extra), ...precision.options, int8MinElements: 0 });
  const t = runTrajectory(fn, opt);
  return { finalValue: t.values[t.values.length - 1], points: t.points };
}

/** Largest distance between two trajectories' points, relative to the float32 path's extent. */
export function pathDeviation(a: Float64Array, ref: Float64Array): number {
  let worst = 0;
  let extent = 1e-12;
  for (let k = 0; k < Math.min(a.length, ref.length); k += 2) {
    worst = Math.max(worst, Math.hypot(a[k] - ref[k], a[k + 1] - ref[k + 1]));
    extent = Math.max(extent, Math.hypot(ref[k] - ref[0], ref[k + 1] - ref[1]));
  }
  return a.length === ref.length ? worst / extent : Infinity;
}

// ---- the demo's MLP ------------------------------------------------------------------------------

const SIZES = [2, 64, 64, 3];
const BATCH = 32;

function train(opt: Optimizer<object>, data: Dataset, epochs: number, seed: number): number {
  const shuffle = mulberry32(seed);
  const order = [...Array(data.count).keys()];
  let last = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let sum = 0;
    for (let s = 0; s < order.length; s += BATCH) {
      opt.zeroGrad();
      const batch = order.slice(s, s + BATCH);
      sum += mlpLossAndGrad(opt, SIZES, data, batch, true).loss * batch.length;
      opt.step();
    }
    last = sum / data.count;
  }
  return last;
}

export interface MlpSetup {
  readonly pretrained: ReturnType<typeof mlpTensors>;
  readonly target: { train: Dataset; test: Dataset };
}

/** The demo's pretraining (Adam, float32) and fine-tuning task: a new output layer on a tighter spiral. */
export function mlpSetup(pretrainEpochs = 15): MlpSetup {
  const source = split(spirals({ perClass: 300, classes: 3, turns: 0.75, noise: 0.15, seed: 11 }));
  const target = split(spirals({ perClass: 300, classes: 3, turns: 1.0, noise: 0.2, seed: 7 }));
  const init0 = mlpTensors(SIZES, mulberry32(1));
  const pre = new Optimizer(RULES.adam, init0, { lr: 1e-2 });
  train(pre, source.train, pretrainEpochs, 3);
  const pretrained: ReturnType<typeof mlpTensors> = {};
  for (const [name, t] of Object.entries(init0)) {
    const shape = 'shape' in t ? t.shape : [t.length];
    pretrained[name] = { shape, data: pre.param(name).slice() };
  }
  const fresh = mlpTensors(SIZES, mulberry32(5));
  const head = SIZES.length - 2;
  pretrained[`W${head}`] = fresh[`W${head}`];
  pretrained[`b${head}`] = fresh[`b${head}`];
  return { pretrained, target };
}

/** The demo's rules with their learning rates (examples/demo.ts), those that have low-precision kernels. */
export const MLP_RULES: readonly { label: string; rule: string; options: Record<string, unknown> }[] = [
  { label: 'SGD (momentum 0.9)', rule: 'sgd', options: { lr: 0.05, momentum: 0.9 } },
  { label: 'Adam', rule: 'adam', options: { lr: 3e-3 } },
  { label: 'AdamW', rule: 'adamw', options: { lr: 3e-3, weightDecay: 1e-2 } },
  { label: 'QHAdam', rule: 'qhadam', options: { lr: 3e-3, nus: [0.7, 1], betas: [0.995, 0.999] } },
  { label: 'AdaMomentum', rule: 'adamomentum', options: { lr: 3e-3 } },
  { label: 'RMSprop', rule: 'rmsprop', options: { lr: 1e-3 } },
];

/** Fine-tunes the pretrained MLP; final training loss (last epoch's mean) and held-out accuracy. */
export function fineTune(setup: MlpSetup, rule: string, options: Record<string, unknown>, epochs = 40): { loss: number; acc: number } {
  const opt = new Optimizer(RULES[rule], setup.pretrained, options);
  const loss = train(opt, setup.target.train, epochs, 2);
  const test = setup.target.test;
  const acc = mlpLossAndGrad(opt, SIZES, test, [...Array(test.count).keys()], false).correct / test.count;
  return { loss, acc };
}
