/**
 * Loads the kernel module. The bytes are embedded in the bundle (base64), so nothing is fetched
 * or read from disk. `init()` compiles once and is idempotent; each arena instantiates the
 * compiled module over its own memory (microseconds), so arenas never share or grow memory.
 */
import {
  KERNELS_WASM_BASE64,
  KERNELS_SHARED_WASM_BASE64,
  KERNELS_RELAXED_WASM_BASE64,
  KERNELS_RELAXED_SHARED_WASM_BASE64,
} from './kernels.generated';
import type { KernelExports } from './kernels';
import { NotInitializedError } from '../errors';

let compiled: WebAssembly.Module | undefined;
let pending: Promise<void> | undefined;

function kernelBytes(base64: string = KERNELS_WASM_BASE64): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Compiles the WebAssembly kernels. Call (and await) once before creating optimizers. */
export function init(): Promise<void> {
  if (compiled) return Promise.resolve();
  pending ??= WebAssembly.compile(kernelBytes()).then(
    async (module) => {
      compiled = module;
      // The relaxed-SIMD build is the default where it validates; compile it now, off the step path.
      if (kernelBuild().relaxedSimd) await compileVariant(true, false);
    },
    (err: unknown) => {
      pending = undefined; // let a later call retry
      throw err;
    },
  );
  return pending;
}

/**
 * Synchronous init for workers and server code. Browsers refuse synchronous compilation of
 * large modules on the main thread: use `await init()` there.
 */
export function initSync(): void {
  compiled ??= new WebAssembly.Module(kernelBytes());
}

export function isInitialized(): boolean {
  return compiled !== undefined;
}

/** Instantiates the kernels over `memory` (which the module imports as env.memory). */
export function instantiateKernels(memory: WebAssembly.Memory): KernelExports {
  if (!compiled) {
    throw new NotInitializedError('edgeoptim is not initialized: call `await init()` before creating an optimizer');
  }
  const abort = (msg: number, file: number, line: number, col: number): never => {
    throw new Error(`edgeoptim kernel aborted at ${line}:${col} (message @${msg}, file @${file})`);
  };
  const instance = new WebAssembly.Instance(compiled, { env: { memory, abort } });
  return instance.exports as unknown as KernelExports;
}

// ---- Kernel builds: strict or relaxed SIMD, unshared or shared memory (scripts/build-wasm.mjs) ----

/** Which build of the kernels runs: relaxed-SIMD FMA where the runtime validates it. */
export interface KernelBuild {
  /** madd/nmadd in Adam's and SGD's kernels are fused (f32x4.relaxed_madd); results may differ in the last bits. */
  readonly relaxedSimd: boolean;
}

export interface KernelBuildOptions {
  /** 'auto' (default): the relaxed-SIMD build where `WebAssembly.validate` accepts it; false: always strict. */
  readonly relaxedSimd?: boolean | 'auto';
}

const variants = new Map<string, WebAssembly.Module>();
let relaxedSupported: boolean | undefined;
let relaxedPreference: boolean | 'auto' = 'auto';

function variantBase64(relaxed: boolean, shared: boolean): string {
  if (relaxed) return shared ? KERNELS_RELAXED_SHARED_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64;
  return shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64;
}

/** Whether this runtime accepts the relaxed-SIMD build (validated once, not assumed from the runtime's name). */
export function relaxedSimdSupported(): boolean {
  relaxedSupported ??= WebAssembly.validate(kernelBytes(KERNELS_RELAXED_WASM_BASE64));
  return relaxedSupported;
}

/**
 * Chooses the build that arenas created from now on use, and compiles it (and its shared-memory
 * twin when `shared`). `relaxedSimd: true` where the runtime lacks relaxed SIMD throws.
 */
export async function selectKernelBuild(options: KernelBuildOptions = {}, shared = false): Promise<KernelBuild> {
  const want = options.relaxedSimd ?? relaxedPreference;
  if (want === true && !relaxedSimdSupported()) {
    throw new Error('This runtime does not support relaxed SIMD (WebAssembly.validate rejected the relaxed build)');
  }
  relaxedPreference = want;
  await init();
  const build = kernelBuild();
  await Promise.all([compileVariant(build.relaxedSimd, false), shared ? compileVariant(build.relaxedSimd, true) : undefined]);
  return build;
}

/** The build that new arenas get. */
export function kernelBuild(): KernelBuild {
  return { relaxedSimd: relaxedPreference === true || (relaxedPreference === 'auto' && relaxedSimdSupported()) };
}

async function compileVariant(relaxed: boolean, shared: boolean): Promise<WebAssembly.Module> {
  const key = `${relaxed}/${shared}`;
  let module = variants.get(key);
  if (!module) {
    module = !relaxed && !shared && compiled ? compiled : await WebAssembly.compile(kernelBytes(variantBase64(relaxed, shared)));
    variants.set(key, module);
  }
  return module;
}

/** The wasm bytes of a build, for worker threads that compile their own copy. */
export function kernelVariantBytes(build: KernelBuild, shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(variantBase64(build.relaxedSimd, shared));
}

/**
 * Instantiates the build `build` over `memory` (shared or not, as the memory is). The build must
 * have been compiled by `init()` (strict, unshared) or `selectKernelBuild()`; the unshared strict
 * and relaxed builds are compiled synchronously on first use otherwise (small modules).
 */
export function instantiateKernelBuild(memory: WebAssembly.Memory, build: KernelBuild = kernelBuild()): KernelExports {
  if (!compiled) {
    throw new NotInitializedError('edgeoptim is not initialized: call `await init()` before creating an optimizer');
  }
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!build.relaxedSimd && !shared) return instantiateKernels(memory);
  const key = `${build.relaxedSimd}/${shared}`;
  let module = variants.get(key);
  if (!module) {
    module = new WebAssembly.Module(kernelBytes(variantBase64(build.relaxedSimd, shared)));
    variants.set(key, module);
  }
  const abort = (msg: number, file: number, line: number, col: number): never => {
    throw new Error(`edgeoptim kernel aborted at ${line}:${col} (message @${msg}, file @${file})`);
  };
  return new WebAssembly.Instance(module, { env: { memory, abort } }).exports as unknown as KernelExports;
}
