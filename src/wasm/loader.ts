/**
 * Loads the kernel module. The bytes are embedded in the bundle (base64), so nothing is fetched
 * or read from disk. `init()` compiles once and is idempotent; each arena instantiates the
 * compiled module over its own memory (microseconds), so arenas never share or grow memory.
 */
import { KERNELS_WASM_BASE64 } from './kernels.generated';
import type { KernelExports } from './kernels';
import { NotInitializedError } from '../errors';

let compiled: WebAssembly.Module | undefined;
let pending: Promise<void> | undefined;

function kernelBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Compiles the WebAssembly kernels. Call (and await) once before creating optimizers. */
export function init(): Promise<void> {
  if (compiled) return Promise.resolve();
  pending ??= WebAssembly.compile(kernelBytes()).then(
    (module) => {
      compiled = module;
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
