/**
 * The wasm side of the arena: one WebAssembly.Memory sized once for a layout, and the kernel
 * instance that reads and writes it. Because the memory never grows, views stay valid.
 */
import { ArenaTooLargeError } from './errors';
import type { ArenaLayout } from './layout';
import type { KernelExports } from './wasm/kernels';
import { instantiateKernels } from './wasm/loader';

const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB at most. */
export const MAX_WASM_PAGES = 65536;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;

  constructor(readonly layout: ArenaLayout) {
    const pages = Math.ceil(layout.byteLength / PAGE_BYTES);
    if (pages > MAX_WASM_PAGES) {
      throw new ArenaTooLargeError(
        `The arena needs ${mib(layout.byteLength)}, more than WebAssembly memory's limit of ${mib(MAX_WASM_PAGES * PAGE_BYTES)}`,
      );
    }
    try {
      this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch (err) {
      throw new ArenaTooLargeError(
        `Could not allocate ${mib(pages * PAGE_BYTES)} of WebAssembly memory for the arena: ${(err as Error).message}`,
      );
    }
    this.kernels = instantiateKernels(this.memory);
  }

  /** A zero-copy view of `length` float32 elements starting at `byteOffset`. */
  view(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, byteOffset, length);
  }
}
