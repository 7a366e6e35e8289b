/**
 * Training with ONNX Runtime Web: a graph computes the loss and the gradients (an inference graph
 * with the backward pass written out), edgeoptim updates the parameters.
 *
 * - `WasmTrainer` (CPU): ORT's wasm EP runs the graph; the parameters are fed from the arena's
 *   views and the gradients copied into it; a wasm SIMD step follows. Per step and element: ORT
 *   copies each parameter into its heap (1 copy) and each gradient out of it (1 copy: its wasm EP
 *   ignores pre-allocated outputs), and the gradient goes into the arena (1 copy).
 * - `WebGpuTrainer` (GPU): ORT's WebGPU EP runs the graph on the device holding the optimizer's
 *   state (a DeviceOptimizer whose groups step on WebGPU). Nothing is read back per step. In 'flat'
 *   form the graph's input is the optimizer's param buffer and its output the optimizer's grad
 *   buffer, so nothing is copied at all; in 'tensors' form each parameter is copied into the
 *   graph's input buffer and each gradient into the optimizer (GPU-to-GPU copies, no host).
 *
 * Graph conventions: parameters are inputs named like the optimizer's tensors and gradients are
 * outputs `grad_<name>` ('tensors'), or one input `params` and one output `grads` holding group 0's
 * whole slots ('flat'); the loss is a 0-d output `loss`. Other inputs (data) are the caller's feeds.
 */
import { TensorError, InvalidOptionError } from '../errors';
import type { ArenaLayout } from '../layout';
import type { OrtModule, OrtSession, OrtTensor } from '../webgpu/ort';
import { gradName } from './classifier';

/** ORT's module as the trainers use it (the `onnxruntime-web` or `onnxruntime-web/webgpu` namespace). */
export type OrtLike = OrtModule;

/** An ORT tensor whose values are on the CPU. */
type CpuTensor = OrtTensor & { readonly data: unknown };

export interface TrainerOptions {
  /** Your ONNX Runtime Web module: `import * as ort from 'onnxruntime-web'` (wasm) or '.../webgpu'. */
  readonly ort: OrtLike;
  /** The training graph (serialized ONNX) or a session you created from it. */
  readonly model: Uint8Array | OrtSession;
  /** 'tensors' (default) or 'flat' (see the module comment). */
  readonly io?: 'tensors' | 'flat';
  /** The output holding a parameter's gradient, in 'tensors' form (default `grad_<name>`). */
  readonly gradOutput?: (param: string) => string;
  /** The 0-d loss output (default 'loss'). */
  readonly lossOutput?: string;
  /** Extra options for `InferenceSession.create` when `model` is bytes. */
  readonly sessionOptions?: Record<string, unknown>;
}

function checkIo(io: unknown): 'tensors' | 'flat' {
  if (io !== undefined && io !== 'tensors' && io !== 'flat') throw new InvalidOptionError(`Invalid io: ${String(io)} (expected 'tensors' or 'flat')`);
  return (io ?? 'tensors') as 'tensors' | 'flat';
}

function checkNames(session: OrtSession, inputs: readonly string[], outputs: readonly string[]): void {
  const missingIn = inputs.filter((n) => !session.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !session.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    throw new TensorError(
      `The training graph lacks ${[...missingIn.map((n) => `input '${n}'`), ...missingOut.map((n) => `output '${n}'`)].join(', ')}; `
        + `it has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }
}

/** What WasmTrainer needs of an optimizer: edgeoptim's `Optimizer` (any rule). */
export interface WasmOptimizerLike {
  readonly tensorNames: string[];
  readonly layout: ArenaLayout;
  shape(name: string): readonly number[];
  param(name: string): Float32Array;
  grad(name: string): Float32Array;
  slotView(group: number, slot: string): Float32Array;
  step(): unknown;
}

/** The CPU path: ORT's wasm EP computes gradients into the wasm arena of an `Optimizer`. */
export class WasmTrainer {
  /** Steps taken by this trainer. */
  steps = 0;
  private readonly paramFeeds: Record<string, OrtTensor>;

  private constructor(
    readonly optimizer: WasmOptimizerLike,
    readonly session: OrtSession,
    private readonly io: 'tensors' | 'flat',
    private readonly gradOutput: (param: string) => string,
    private readonly lossOutput: string,
    ort: OrtLike,
  ) {
    // ORT tensors over the arena's views: valid for the optimizer's life, read by ORT at each run.
    if (io === 'flat') {
      if (optimizer.layout.groups.length !== 1) throw new TensorError(`io 'flat' needs a one-group optimizer; this one has ${optimizer.layout.groups.length}`);
      const view = optimizer.slotView(0, 'param');
      this.paramFeeds = { params: new ort.Tensor('float32', view, [view.length]) };
    } else {
      this.paramFeeds = Object.fromEntries(optimizer.tensorNames.map((n) => [n, new ort.Tensor('float32', optimizer.param(n), [...optimizer.shape(n)])]));
    }
  }

  /** A trainer for `optimizer` (a wasm `Optimizer`); creates the session on ORT's wasm EP when given bytes. */
  static async create(optimizer: WasmOptimizerLike, options: TrainerOptions): Promise<WasmTrainer> {
    const io = checkIo(options.io);
    const session = options.model instanceof Uint8Array
      ? await options.ort.InferenceSession.create(options.model, { executionProviders: ['wasm'], ...options.sessionOptions })
      : options.model;
    const gradOutput = options.gradOutput ?? gradName;
    const lossOutput = options.lossOutput ?? 'loss';
    const names = optimizer.tensorNames;
    checkNames(session, io === 'flat' ? ['params'] : names, [lossOutput, ...(io === 'flat' ? ['grads'] : names.map(gradOutput))]);
    return new WasmTrainer(optimizer, session, io, gradOutput, lossOutput, options.ort);
  }

  /** One training step on `feeds` (the data inputs); returns the loss before the update. */
  async step(feeds: Record<string, OrtTensor>): Promise<number> {
    const out = (await this.session.run({ ...feeds, ...this.paramFeeds })) as Record<string, CpuTensor>;
    try {
      const opt = this.optimizer;
      if (this.io === 'flat') opt.slotView(0, 'grad').set(out.grads.data as Float32Array);
      else for (const n of opt.tensorNames) opt.grad(n).set(out[this.gradOutput(n)].data as Float32Array);
      const loss = Number((out[this.lossOutput].data as Float32Array)[0]);
      opt.step();
      this.steps++;
      return loss;
    } finally {
      for (const t of Object.values(out)) t.dispose();
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** What WebGpuTrainer needs of a DeviceOptimizer (`createOptimizer` from 'edgeoptim/webgpu'). */
export interface GpuOptimizerLike {
  readonly tensorNames: string[];
  readonly groupCount: number;
  backendOf(group?: number): string;
  shape(name: string): readonly number[];
  slotBuffers(group: number, slot: string): { buffer: GPUBuffer; offset: number; length: number }[];
  copyParamTo(name: string, dst: GPUBuffer, dstByteOffset?: number): void;
  setGrad(name: string, data: GPUBuffer): void;
  step(): Promise<void>;
}

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ = 0x1;

/** The GPU path: ORT's WebGPU EP computes gradients on the device that holds the optimizer's state. */
export class WebGpuTrainer {
  steps = 0;
  private readonly owned: GPUBuffer[] = [];
  private readonly views = new Map<GPUBuffer, OrtTensor>();
  private readonly lossBuffer: GPUBuffer;
  private readonly lossTensor: OrtTensor;
  /** 'tensors' form: per parameter, the graph's input buffer and the gradient output buffer. */
  private readonly perTensor: { name: string; param: GPUBuffer; grad: GPUBuffer; paramT: OrtTensor; gradT: OrtTensor }[] = [];

  private constructor(
    readonly optimizer: GpuOptimizerLike,
    readonly session: OrtSession,
    readonly device: GPUDevice,
    private readonly ort: OrtLike,
    private readonly io: 'tensors' | 'flat',
    gradOutput: (param: string) => string,
    private readonly lossOutput: string,
  ) {
    this.lossBuffer = this.buffer(4);
    this.lossTensor = ort.Tensor.fromGpuBuffer(this.lossBuffer, { dataType: 'float32', dims: [] });
    if (io === 'tensors') {
      for (const name of optimizer.tensorNames) {
        const dims = [...optimizer.shape(name)];
        const bytes = 4 * dims.reduce((a, b) => a * b, 1);
        const param = this.buffer(bytes);
        const grad = this.buffer(bytes);
        this.perTensor.push({
          name,
          param,
          grad,
          paramT: ort.Tensor.fromGpuBuffer(param, { dataType: 'float32', dims }),
          gradT: ort.Tensor.fromGpuBuffer(grad, { dataType: 'float32', dims }),
        });
      }
      this.gradOutputs = Object.fromEntries(this.perTensor.map((t) => [gradOutput(t.name), t.gradT]));
    }
  }

  private gradOutputs: Record<string, OrtTensor> = {};

  /**
   * A trainer for a DeviceOptimizer whose groups all step on WebGPU, sharing ORT's device; creates
   * the session on ORT's WebGPU EP when given bytes. `options.ort` must be the module the
   * optimizer was created with (`onnxruntime-web/webgpu`).
   */
  static async create(optimizer: GpuOptimizerLike, options: TrainerOptions): Promise<WebGpuTrainer> {
    const io = checkIo(options.io);
    for (let g = 0; g < optimizer.groupCount; g++) {
      if (optimizer.backendOf(g) !== 'webgpu') {
        throw new InvalidOptionError(`Group ${g} steps on ${optimizer.backendOf(g)}, not WebGPU: create the optimizer with { backend: 'webgpu' } (or use WasmTrainer)`);
      }
    }
    if (io === 'flat') {
      if (optimizer.groupCount !== 1) throw new TensorError(`io 'flat' needs a one-group optimizer; this one has ${optimizer.groupCount}`);
      if (optimizer.slotBuffers(0, 'param').length !== 1) throw new TensorError("io 'flat' needs the group in one GPU buffer; it is split into chunks (use io 'tensors')");
    }
    const session = options.model instanceof Uint8Array
      ? await options.ort.InferenceSession.create(options.model, { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer', ...options.sessionOptions })
      : options.model;
    const gradOutput = options.gradOutput ?? gradName;
    const lossOutput = options.lossOutput ?? 'loss';
    const names = optimizer.tensorNames;
    checkNames(session, io === 'flat' ? ['params'] : names, [lossOutput, ...(io === 'flat' ? ['grads'] : names.map(gradOutput))]);
    const device = await options.ort.env.webgpu.device;
    return new WebGpuTrainer(optimizer, session, device, options.ort, io, gradOutput, lossOutput);
  }

  /** A GPU tensor holding `data` (uploaded once; freed by dispose()): for data that stays on the device. */
  upload(data: Float32Array, dims: readonly number[]): OrtTensor {
    const b = this.buffer(data.byteLength);
    const src = typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer ? data.slice() : data;
    this.device.queue.writeBuffer(b, 0, src.buffer, src.byteOffset, src.byteLength);
    return this.ort.Tensor.fromGpuBuffer(b, { dataType: 'float32', dims });
  }

  /** One training step on `feeds` (GPU tensors for data that stays on the device). Reads nothing back. */
  async step(feeds: Record<string, OrtTensor>): Promise<void> {
    const opt = this.optimizer;
    const fetches: Record<string, OrtTensor> = { [this.lossOutput]: this.lossTensor };
    let inputs: Record<string, OrtTensor>;
    if (this.io === 'flat') {
      // The optimizer's current param buffer in, its grad buffer out (they ping-pong: look up each step).
      const [param] = opt.slotBuffers(0, 'param');
      const [grad] = opt.slotBuffers(0, 'grad');
      inputs = { ...feeds, params: this.view(param.buffer, param.length) };
      fetches.grads = this.view(grad.buffer, grad.length);
    } else {
      for (const t of this.perTensor) opt.copyParamTo(t.name, t.param);
      inputs = { ...feeds, ...Object.fromEntries(this.perTensor.map((t) => [t.name, t.paramT])) };
      Object.assign(fetches, this.gradOutputs);
    }
    await this.session.run(inputs, fetches);
    if (this.io === 'tensors') for (const t of this.perTensor) opt.setGrad(t.name, t.grad);
    await opt.step();
    this.steps++;
  }

  /** The loss of the last step (a 4-byte read-back). */
  async loss(): Promise<number> {
    const staging = this.device.createBuffer({ size: 4, usage: MAP_READ | 0x8 });
    try {
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(this.lossBuffer, 0, staging, 0, 4);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(MAP_READ);
      return new Float32Array(staging.getMappedRange().slice(0))[0];
    } finally {
      staging.destroy();
    }
  }

  async dispose(): Promise<void> {
    for (const t of this.views.values()) t.dispose();
    this.views.clear();
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    await this.session.release();
  }

  private buffer(bytes: number): GPUBuffer {
    // ORT's WebGPU kernels bind whole vec4s: a buffer must span a multiple of 16 bytes (a 0-d
    // output in a 4-byte buffer fails validation: "bound with size 4 where the shader expects 16").
    const b = this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE });
    this.owned.push(b);
    return b;
  }

  private view(buffer: GPUBuffer, length: number): OrtTensor {
    let t = this.views.get(buffer);
    if (!t) {
      t = this.ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: [length] });
      this.views.set(buffer, t);
    }
    return t;
  }
}
