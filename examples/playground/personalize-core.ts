// "Personalize a classifier on this device": the part of the playground panel without a DOM.
// Points the user places on a canvas (or generated ones) are 2-D embeddings; a 2-layer head
// (edgeoptim/ort's classifier graphs) is trained on them by ONNX Runtime Web, with edgeoptim
// updating the parameters on the CPU path (wasm EP + wasm arena) or the GPU path (WebGPU EP, state
// and gradients on the GPU, the optimizer's own buffers as the graph's input and output).
import { init, Optimizer, RULES } from '../../src/index';
import { createOptimizer, probeWebGpu, GRAPHS, type DeviceOptimizer } from '../../src/webgpu/index';
import {
  classifierInit, classifierPredictModel, classifierShapes, classifierTrainModel, targetsFor, WasmTrainer, WebGpuTrainer,
  type ClassifierHeadSpec, type OrtLike,
} from '../../src/ort/index';

export interface LabeledPoint {
  /** Coordinates in [-1, 1]. */
  readonly x: number;
  readonly y: number;
  readonly label: number;
}

export type Path = 'cpu' | 'gpu';

export interface PersonalizeConfig {
  readonly classes: number;
  readonly hidden: number;
  readonly rule: string;
  readonly options: Record<string, unknown>;
  readonly path: Path;
  readonly seed?: number;
}

export interface TrainReport {
  readonly steps: number;
  readonly loss: number;
  readonly stepsPerSecond: number;
  /** Fraction of the training points the head classifies correctly. */
  readonly accuracy: number;
}

/** Which paths this runtime offers, and why not the GPU one. */
export async function availablePaths(): Promise<{ cpu: true; gpu: boolean; why?: string }> {
  const probe = await probeWebGpu();
  return probe.available ? { cpu: true, gpu: true } : { cpu: true, gpu: false, why: probe.reason };
}

/** Rules each path can step: every rule on the CPU, rules with a WebGPU graph on the GPU. */
export function rulesFor(path: Path): string[] {
  return Object.keys(RULES).filter((r) => path === 'cpu' || GRAPHS[r] !== undefined).sort();
}

/** `perClass` points around one centre per class, on a circle, with seeded noise. */
export function generatePoints(classes: number, perClass: number, seed = 1, spread = 0.22): LabeledPoint[] {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const out: LabeledPoint[] = [];
  for (let c = 0; c < classes; c++) {
    const angle = (2 * Math.PI * c) / classes;
    for (let i = 0; i < perClass; i++) {
      const clamp = (v: number): number => Math.max(-1, Math.min(1, v));
      out.push({ x: clamp(0.55 * Math.cos(angle) + spread * normal()), y: clamp(0.55 * Math.sin(angle) + spread * normal()), label: c });
    }
  }
  return out;
}

/** A grid of `n × n` points over [-1, 1]², row-major from the top-left, as [x, y] pairs. */
export function grid(n: number): Float32Array {
  const g = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      g[2 * (r * n + c)] = -1 + (2 * (c + 0.5)) / n;
      g[2 * (r * n + c) + 1] = 1 - (2 * (r + 0.5)) / n;
    }
  }
  return g;
}

type AnyTensor = ReturnType<OrtLike['Tensor']['fromGpuBuffer']>;

/** One training run: a fresh head and optimizer on the chosen path; `train()` continues it. */
export class Personalizer {
  private predictSession: Awaited<ReturnType<OrtLike['InferenceSession']['create']>> | null = null;

  private constructor(
    readonly config: PersonalizeConfig,
    readonly spec: ClassifierHeadSpec,
    private readonly ort: OrtLike,
    private readonly points: readonly LabeledPoint[],
    private readonly cpu: { opt: Optimizer<object>; trainer: WasmTrainer } | null,
    private readonly gpu: { opt: DeviceOptimizer<object>; trainer: WebGpuTrainer } | null,
    private readonly feeds: Record<string, AnyTensor>,
  ) {}

  /** `ort` is `onnxruntime-web/webgpu` (it has both the wasm and the WebGPU EP). */
  static async create(ort: OrtLike, points: readonly LabeledPoint[], config: PersonalizeConfig): Promise<Personalizer> {
    if (points.length === 0) throw new RangeError('Add some points first');
    if (!RULES[config.rule]) throw new RangeError(`Unknown rule '${config.rule}'`);
    await init();
    const spec: ClassifierHeadSpec = { inputs: 2, hidden: config.hidden, classes: config.classes };
    const shapes = classifierShapes(spec);
    const init0 = classifierInit(spec, config.seed ?? 1);
    const params = Object.fromEntries(Object.entries(init0).map(([k, v]) => [k, { shape: shapes[k], data: v }]));
    const x = Float32Array.from(points.flatMap((p) => [p.x, p.y]));
    const t = targetsFor(points.map((p) => p.label), spec.classes);
    const n = points.length;
    if (config.path === 'cpu') {
      const opt = new Optimizer<object>(RULES[config.rule], params, config.options);
      const trainer = await WasmTrainer.create(opt, { ort, model: classifierTrainModel(spec) });
      const feeds = { x: new ort.Tensor('float32', x, [n, 2]), targets: new ort.Tensor('float32', t, [n, spec.classes]) };
      return new Personalizer(config, spec, ort, points, { opt, trainer }, null, feeds);
    }
    const opt = await createOptimizer<object>(config.rule, params, config.options, { backend: 'webgpu', dataOn: 'gpu', ort });
    if (opt.backendOf(0) !== 'webgpu') {
      const why = opt.explain(0).reasons.join('; ');
      opt.dispose();
      throw new Error(`The GPU path is unavailable here: ${why}`);
    }
    const trainer = await WebGpuTrainer.create(opt, { ort, model: classifierTrainModel(spec, { layout: opt.groupLayout(0) }), io: 'flat' });
    // The data goes to the GPU once and stays there.
    const feeds = { x: trainer.upload(x, [n, 2]), targets: trainer.upload(t, [n, spec.classes]) };
    return new Personalizer(config, spec, ort, points, null, { opt, trainer }, feeds);
  }

  get stepCount(): number {
    return this.cpu ? this.cpu.trainer.steps : this.gpu!.trainer.steps;
  }

  /** `steps` more steps; on the GPU path the loss is read back once, at the end. */
  async train(steps: number): Promise<TrainReport> {
    const t0 = performance.now();
    let loss = NaN;
    if (this.cpu) {
      for (let s = 0; s < steps; s++) loss = await this.cpu.trainer.step(this.feeds);
    } else {
      for (let s = 0; s < steps; s++) await this.gpu!.trainer.step(this.feeds);
      loss = await this.gpu!.trainer.loss();
    }
    const seconds = (performance.now() - t0) / 1000;
    const probs = await this.predict(Float32Array.from(this.points.flatMap((p) => [p.x, p.y])));
    let right = 0;
    this.points.forEach((p, i) => {
      if (argmax(probs, i, this.spec.classes) === p.label) right++;
    });
    return { steps, loss, stepsPerSecond: steps / seconds, accuracy: right / this.points.length };
  }

  /** Class probabilities for [x, y] pairs (prediction graph on the wasm EP; GPU parameters are read back). */
  async predict(xy: Float32Array): Promise<Float32Array> {
    this.predictSession ??= await this.ort.InferenceSession.create(classifierPredictModel(this.spec), { executionProviders: ['wasm'] });
    const n = xy.length / 2;
    const feeds: Record<string, AnyTensor> = { x: new this.ort.Tensor('float32', xy, [n, 2]) };
    const shapes = classifierShapes(this.spec);
    for (const name of Object.keys(shapes)) {
      const values = this.cpu ? this.cpu.opt.param(name) : await this.gpu!.opt.readParam(name);
      feeds[name] = new this.ort.Tensor('float32', values, shapes[name]);
    }
    const out = await this.predictSession.run(feeds);
    return (out.probs as unknown as { data: Float32Array }).data;
  }

  async dispose(): Promise<void> {
    await this.predictSession?.release();
    if (this.cpu) await this.cpu.trainer.dispose();
    if (this.gpu) {
      await this.gpu.trainer.dispose();
      this.gpu.opt.dispose();
    }
  }
}

export function argmax(probs: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (probs[row * classes + c] > probs[row * classes + best]) best = c;
  return best;
}
