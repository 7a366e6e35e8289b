/**
 * The wasm side of the arena: one WebAssembly.Memory sized once for a layout, and the kernel
 * instance that reads and writes it. Because the memory never grows, views stay valid.
 */
import { ArenaTooLargeError } from './errors';
import type { ArenaLayout } from './layout';
import type { KernelExports } from './wasm/kernels';
import { instantiateKernelBuild, kernelBuild } from './wasm/loader';
import { threadPool } from './threads/index';

const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB at most. */
export const MAX_WASM_PAGES = 65536;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  /** A worker failure met during the last step that still completed (src/threads/), once. */
  readonly takeThreadError: () => Error | undefined;

  /**
   * When a worker pool runs (`initThreads`, src/threads/) and `threads` is not false, the memory is
   * shared and `kernels` splits large calls across the pool's threads.
   */
  constructor(readonly layout: ArenaLayout, options: { readonly threads?: boolean } = {}) {
    const pool = options.threads === false ? undefined : threadPool();
    const pages = Math.ceil(layout.byteLength / PAGE_BYTES);
    if (pages > MAX_WASM_PAGES) {
      throw new ArenaTooLargeError(
        `The arena needs ${mib(layout.byteLength)}, more than WebAssembly memory's limit of ${mib(MAX_WASM_PAGES * PAGE_BYTES)}`,
      );
    }
    try {
      this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, ...(pool ? { shared: true } : {}) });
    } catch (err) {
      throw new ArenaTooLargeError(
        `Could not allocate ${mib(pages * PAGE_BYTES)} of WebAssembly memory for the arena: ${(err as Error).message}`,
      );
    }
    const build = kernelBuild();
    const direct = instantiateKernelBuild(this.memory, build);
    const attached = pool?.attach(this.memory, direct, build);
    this.kernels = attached?.kernels ?? direct;
    this.takeThreadError = attached ? attached.takeError : () => undefined;
  }

  /** A zero-copy view of `length` float32 elements starting at `byteOffset`. */
  view(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, length);
  }
}
