/**
 * Moving values between TF.js tensors and the arena, with as few copies as each backend allows.
 *
 * | backend | gradient → arena                                   | arena → variable ('assign')               | 'inPlace'            |
 * |---------|----------------------------------------------------|-------------------------------------------|----------------------|
 * | cpu     | `dataSync()` is the backend's own array: 1 copy    | 1 copy (the cpu backend keeps the array)   | 1 copy, no new array |
 * | wasm    | a view of the backend's heap: 1 copy               | 1 copy (the backend copies on write)       | 1 copy, no malloc    |
 * | webgl, webgpu | `dataSync()` = a blocking GPU read-back, then 1 copy | 1 copy, then an upload at next use | not supported: 'assign' |
 *
 * The views of backend memory (the cpu backend's array, the wasm heap) are used only inside one
 * call and never kept: TF.js may free or move that memory afterwards.
 */
import { backend, tensor, type Tensor, type Variable } from '@tensorflow/tfjs-core';

type DataId = object;

/** The wasm backend's public heap view (`typedArrayFromHeap`) and its data map. */
interface HeapBackend {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: DataId }): ArrayBufferView;
  dataIdMap: { has(id: DataId): boolean };
  refCount(id: DataId): number;
}

/** The cpu backend: `readSync` returns the array it stores (no copy) for float32 data. */
interface StorageBackend {
  data: { has(id: DataId): boolean };
  readSync(id: DataId): unknown;
  refCount(id: DataId): number;
}

function heapBackend(b: unknown): HeapBackend | null {
  const h = b as Partial<HeapBackend>;
  return typeof h?.typedArrayFromHeap === 'function' && typeof h.dataIdMap?.has === 'function' ? (h as HeapBackend) : null;
}

function storageBackend(b: unknown): StorageBackend | null {
  const s = b as Partial<StorageBackend>;
  if (heapBackend(b) || typeof s?.readSync !== 'function' || typeof s.data?.has !== 'function') return null;
  if (typeof s.refCount !== 'function') return null;
  return liveStorage(s as StorageBackend) ? (s as StorageBackend) : null;
}

const probed = new WeakMap<object, boolean>();

/** Whether `readSync` hands out the stored array itself (checked once per backend instance). */
function liveStorage(b: StorageBackend): boolean {
  let live = probed.get(b);
  if (live === undefined) {
    const t = tensor([0], [1], 'float32');
    try {
      const values = b.data.has(t.dataId) ? b.readSync(t.dataId) : null;
      if (values instanceof Float32Array) values[0] = 1;
      live = values instanceof Float32Array && t.dataSync()[0] === 1;
    } finally {
      t.dispose();
    }
    probed.set(b, live);
  }
  return live;
}

/** Copies a float32 tensor's values into `dst` (one copy on cpu and wasm; a read-back first on GPU backends). */
export function readInto(t: Tensor, dst: Float32Array): void {
  const b = backend();
  const heap = heapBackend(b);
  if (heap && heap.dataIdMap.has(t.dataId)) {
    dst.set(heap.typedArrayFromHeap(t) as Float32Array);
    return;
  }
  dst.set(t.dataSync() as Float32Array);
}

/** The variable's own memory, when it may be overwritten in place: a backend we can see into, and no other tensor sharing it. */
function ownMemory(v: Variable): Float32Array | null {
  const b = backend();
  const heap = heapBackend(b);
  if (heap) {
    if (!heap.dataIdMap.has(v.dataId) || heap.refCount(v.dataId) !== 1) return null;
    return heap.typedArrayFromHeap(v) as Float32Array;
  }
  const store = storageBackend(b);
  if (store && store.data.has(v.dataId) && store.refCount(v.dataId) === 1) {
    const values = store.readSync(v.dataId);
    return values instanceof Float32Array && values.length === v.size ? values : null;
  }
  return null;
}

/**
 * Gives `v` the values of `src`. 'assign' makes a new tensor (TF.js's own optimizers do the same);
 * `inPlace` overwrites the variable's memory when no other tensor shares it (a clone, the tensor it
 * was made from), saving the allocation. Returns how it was done.
 */
export function writeVariable(v: Variable, src: Float32Array, inPlace: boolean): 'in-place' | 'assign' {
  if (inPlace) {
    const own = ownMemory(v);
    if (own) {
      own.set(src);
      return 'in-place';
    }
  }
  // The wasm backend copies into its heap on write; other backends keep the array we pass.
  const values = heapBackend(backend()) ? src : src.slice();
  const t = tensor(values, v.shape, 'float32');
  try {
    v.assign(t);
  } finally {
    t.dispose();
  }
  return 'assign';
}

/** A one-line description of the data path on the active backend (for logs and docs). */
export function describeDataPath(inPlace: boolean): { backend: string; gradients: string; parameters: string } {
  const b = backend();
  const name = (b as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
  if (heapBackend(b)) {
    return { backend: name, gradients: 'view of the wasm heap + 1 copy', parameters: inPlace ? '1 copy into the variable (in place)' : '1 copy into a new tensor' };
  }
  if (storageBackend(b)) {
    return { backend: name, gradients: 'the backend array (no copy) + 1 copy', parameters: inPlace ? '1 copy into the variable (in place)' : '1 copy into a new tensor' };
  }
  return { backend: name, gradients: 'dataSync() read-back + 1 copy', parameters: '1 copy into a new tensor (uploaded by the backend)' };
}
