/**
 * A parameter group's slots on the GPU, in the arena's layout: each slot (`param`, `grad`, the
 * rule's state slots) is a float32 vector of `slotLength` elements with every tensor at the same
 * element offset as in the wasm arena. A slot longer than the device's largest storage binding is
 * split into chunks at aligned boundaries; chunk k of every slot covers the same element range, so
 * one graph run per chunk steps the whole group.
 *
 * Outputs never alias inputs: `param` and the state slots have two buffer sets, the step reads one
 * and writes the other, then they swap. `grad` is read-only to the step and has a single buffer.
 */
import type { GroupLayout } from '../layout';
import type { OrtModule, OrtTensor } from './ort';
import { BUFFER_USAGE, MAP_READ } from './runtime';

interface ChunkBuffers {
  /** First element of this chunk within the slot. */
  readonly offset: number;
  readonly length: number;
  readonly grad: GPUBuffer;
  /** The two ping-pong sets: buffers of `param` and the state slots. */
  readonly sets: readonly [Record<string, GPUBuffer>, Record<string, GPUBuffer>];
}

const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

/** A plain-ArrayBuffer copy when `data` lives in shared memory (some WebGPU bindings reject it). */
function uploadable(data: Float32Array): Float32Array {
  return typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer ? data.slice() : data;
}

export class GpuGroupArena {
  readonly chunks: readonly ChunkBuffers[];
  /** Slots that ping-pong (`param` and the state slots). */
  readonly pingPong: readonly string[];
  /** Which set holds each ping-pong slot's current values (slots flip independently: see swap). */
  private readonly current: Record<string, 0 | 1>;
  private readonly tensors = new Map<GPUBuffer, OrtTensor>();
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly ort: OrtModule,
    readonly layout: GroupLayout,
    maxChunkElements: number,
  ) {
    this.pingPong = layout.slots.filter((s) => s !== 'grad');
    this.current = Object.fromEntries(this.pingPong.map((slot) => [slot, 0 as const]));
    const chunks: ChunkBuffers[] = [];
    const made: GPUBuffer[] = [];
    const create = (length: number, label: string): GPUBuffer => {
      const b = device.createBuffer({ size: length * 4, usage: STORAGE_USAGE, label });
      made.push(b);
      return b;
    };
    try {
      for (let offset = 0; offset < layout.slotLength; offset += maxChunkElements) {
        const length = Math.min(maxChunkElements, layout.slotLength - offset);
        const k = chunks.length;
        const set = (s: number) => Object.fromEntries(this.pingPong.map((slot) => [slot, create(length, `edgeoptim ${slot}[${k}] ${s}`)]));
        chunks.push({ offset, length, grad: create(length, `edgeoptim grad[${k}]`), sets: [set(0), set(1)] });
      }
    } catch (err) {
      for (const b of made) b.destroy();
      throw err;
    }
    this.chunks = chunks;
  }

  /** The buffer holding `slot`'s current values in chunk `k`. */
  buffer(slot: string, k: number): GPUBuffer {
    const c = this.chunks[k];
    return slot === 'grad' ? c.grad : c.sets[this.current[slot]][slot];
  }

  /** The buffer the next step writes `slot` of chunk `k` into. */
  nextBuffer(slot: string, k: number): GPUBuffer {
    return this.chunks[k].sets[this.current[slot] === 0 ? 1 : 0][slot];
  }

  /** An ORT tensor over `buffer` (cached: tensors are immutable views of their buffers). */
  tensor(buffer: GPUBuffer, length: number): OrtTensor {
    let t = this.tensors.get(buffer);
    if (!t) {
      t = this.ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: [length] });
      this.tensors.set(buffer, t);
    }
    return t;
  }

  /** Makes the buffers just written current, for `slots` (default: every ping-pong slot). */
  swap(slots: readonly string[] = this.pingPong): void {
    for (const slot of slots) this.current[slot] = this.current[slot] === 0 ? 1 : 0;
  }

  /** Uploads `data` into `slot` at element `offset` (split across chunks as needed). */
  write(slot: string, offset: number, data: Float32Array): void {
    const src = uploadable(data);
    this.forRange(offset, data.length, (k, at, from, n) => {
      this.device.queue.writeBuffer(this.buffer(slot, k), at * 4, src, from, n);
    });
  }

  /** Copies `elements` float32 values from `src` (at `srcByteOffset`) into `slot` at element `offset`, on the GPU. */
  copyFrom(slot: string, offset: number, src: GPUBuffer, srcByteOffset: number, elements: number): void {
    const enc = this.device.createCommandEncoder();
    this.forRange(offset, elements, (k, at, from, n) => {
      enc.copyBufferToBuffer(src, srcByteOffset + from * 4, this.buffer(slot, k), at * 4, n * 4);
    });
    this.device.queue.submit([enc.finish()]);
  }

  /** Copies `elements` values of `slot` from element `offset` into `dst` at `dstByteOffset`, on the GPU. */
  copyTo(slot: string, offset: number, dst: GPUBuffer, dstByteOffset: number, elements: number): void {
    const enc = this.device.createCommandEncoder();
    this.forRange(offset, elements, (k, at, from, n) => {
      enc.copyBufferToBuffer(this.buffer(slot, k), at * 4, dst, dstByteOffset + from * 4, n * 4);
    });
    this.device.queue.submit([enc.finish()]);
  }

  /** Sets the whole slot to zero. */
  clear(slot: string): void {
    const enc = this.device.createCommandEncoder();
    this.chunks.forEach((c, k) => enc.clearBuffer(this.buffer(slot, k), 0, c.length * 4));
    this.device.queue.submit([enc.finish()]);
  }

  /**
   * Reads `length` elements of `slot` from element `offset` back to the CPU. Rejects if the device
   * is lost (mapAsync fails), so a read never returns values that were not computed.
   */
  async read(slot: string, offset = 0, length = this.layout.slotLength - offset): Promise<Float32Array> {
    const out = new Float32Array(length);
    if (length === 0) return out;
    const pieces: { staging: GPUBuffer; from: number; n: number }[] = [];
    const enc = this.device.createCommandEncoder();
    try {
      this.forRange(offset, length, (k, at, from, n) => {
        const staging = this.device.createBuffer({ size: n * 4, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
        pieces.push({ staging, from, n });
        enc.copyBufferToBuffer(this.buffer(slot, k), at * 4, staging, 0, n * 4);
      });
      this.device.queue.submit([enc.finish()]);
      await Promise.all(pieces.map((p) => p.staging.mapAsync(MAP_READ)));
      for (const p of pieces) {
        out.set(new Float32Array(p.staging.getMappedRange(), 0, p.n), p.from);
        p.staging.unmap();
      }
    } finally {
      for (const p of pieces) p.staging.destroy();
    }
    return out;
  }

  /** Frees the GPU buffers (idempotent). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
    for (const c of this.chunks) {
      c.grad.destroy();
      for (const set of c.sets) for (const b of Object.values(set)) b.destroy();
    }
  }

  /** Calls fn(chunk, elementInChunk, elementInRange, count) for each chunk piece of [offset, offset + length). */
  private forRange(offset: number, length: number, fn: (k: number, at: number, from: number, n: number) => void): void {
    let from = 0;
    for (let k = 0; k < this.chunks.length && from < length; k++) {
      const c = this.chunks[k];
      const start = offset + from;
      if (start >= c.offset + c.length) continue;
      const at = start - c.offset;
      const n = Math.min(c.length - at, length - from);
      fn(k, at, from, n);
      from += n;
    }
  }
}
