/**
 * The slice of ONNX Runtime Web's API this path uses, typed structurally so that any copy the
 * user passes (`{ ort }`) works and our declarations do not depend on ORT's.
 */

export interface OrtTensor {
  readonly location: string;
  readonly dims: readonly number[];
  readonly type: string;
  readonly gpuBuffer?: GPUBuffer;
  dispose(): void;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: Record<string, OrtTensor | null>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  readonly Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
    fromGpuBuffer(buffer: GPUBuffer, options: { dataType: 'float32'; dims: readonly number[] }): OrtTensor;
  };
  readonly env: { readonly webgpu: { readonly device: Promise<GPUDevice> } };
}

/** Whether `x` looks like an ORT tensor that lives in a GPU buffer. */
export function isGpuTensor(x: unknown): x is OrtTensor & { gpuBuffer: GPUBuffer } {
  return typeof x === 'object' && x !== null && (x as OrtTensor).location === 'gpu-buffer' && 'gpuBuffer' in x;
}

/** Whether `x` is a GPUBuffer (duck-typed: Deno, browsers and Dawn bindings name the class alike). */
export function isGpuBuffer(x: unknown): x is GPUBuffer {
  return typeof x === 'object' && x !== null && typeof (x as GPUBuffer).mapAsync === 'function'
    && typeof (x as GPUBuffer).size === 'number' && typeof (x as GPUBuffer).usage === 'number';
}

/** Loads ORT's WebGPU build. Kept in one place so bundlers see a single dynamic import. */
export async function importOrt(): Promise<OrtModule> {
  return (await import('onnxruntime-web/webgpu')) as unknown as OrtModule;
}
