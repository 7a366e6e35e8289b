/**
 * The safetensors container (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of UTF-8 JSON, then the tensors' raw little-endian bytes. The JSON maps each tensor name
 * to { dtype, shape, data_offsets: [begin, end] } (offsets into the byte buffer after the header,
 * which the tensors cover without holes or overlaps) and may hold "__metadata__", a map of string
 * to string. Dtypes written and read here: F32 (parameters, float32 state), BF16 (bfloat16 state,
 * kept as its bit patterns), I8 and U8 (8-bit state codes). The header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does.
 */
import { CheckpointError } from '../errors';

/** The safetensors dtypes edgeoptim stores; the typed array that holds each is fixed. */
export type TensorDtype = 'F32' | 'BF16' | 'I8' | 'U8';

/** Float32 values, bfloat16 bit patterns (Uint16Array), or 8-bit codes. */
export type TensorData = Float32Array | Uint16Array | Int8Array | Uint8Array;

export interface StoredTensor {
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface F32Tensor extends StoredTensor {
  readonly data: Float32Array;
}

const DTYPE_BYTES: Record<TensorDtype, number> = { F32: 4, BF16: 2, I8: 1, U8: 1 };

/** The dtype a typed array is stored as (Uint16Array holds bfloat16 bit patterns). */
export function dtypeOf(data: TensorData): TensorDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Uint16Array) return 'BF16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  throw new CheckpointError(`Cannot store a ${(data as object).constructor.name} (F32, BF16 bits, I8 or U8 only)`, 'format');
}

export interface SafetensorsContents {
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors by name, in file order (copies of the file's bytes). */
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  /** The header JSON text, and where it starts in the file. */
  readonly headerText: string;
  readonly headerOffset: number;
}

/** The reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function toBytes(data: TensorData, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, data.byteLength);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setUint16(2 * i, data[i], true);
}

function fromBytes(bytes: Uint8Array, begin: number, end: number, dtype: TensorDtype): TensorData {
  const copy = new Uint8Array(end - begin);
  copy.set(bytes.subarray(begin, end));
  if (dtype === 'I8') return new Int8Array(copy.buffer);
  if (dtype === 'U8') return copy;
  const n = (end - begin) / DTYPE_BYTES[dtype];
  if (LITTLE_ENDIAN) return dtype === 'F32' ? new Float32Array(copy.buffer, 0, n) : new Uint16Array(copy.buffer, 0, n);
  const view = new DataView(copy.buffer);
  return dtype === 'F32'
    ? Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true))
    : Uint16Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true));
}

/**
 * Serializes `tensors` (in the given order) and `metadata`. The header JSON starts with
 * `{"__metadata__":{` followed by the metadata in its key order (the checkpoint puts its checksum
 * field first), then the tensor entries.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, StoredTensor>,
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const entries: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new CheckpointError("A tensor cannot be named '__metadata__'", 'format');
    if (product(t.shape) !== t.data.length) {
      throw new CheckpointError(`Tensor '${name}': shape [${t.shape.join(', ')}] does not match its ${t.data.length} elements`, 'format');
    }
    entries[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(entries));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors.values()) {
    toBytes(t.data, out, at);
    at += t.data.byteLength;
  }
  return out;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Parses a safetensors file; typed errors: 'truncated' when the file ends early, 'corrupted' when
 * its structure is inconsistent, 'format' for what this reader does not support (other dtypes).
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError('A checkpoint must be a Uint8Array of the file bytes', 'format');
  if (bytes.length < 8) throw new CheckpointError(`The file has ${bytes.length} bytes, fewer than the 8-byte header length`, 'truncated');
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new CheckpointError(`Header length ${n} exceeds ${MAX_HEADER_BYTES} bytes`, 'corrupted');
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    throw new CheckpointError(`The header needs ${headerLength} bytes but the file has ${bytes.length - 8} after the length`, 'truncated');
  }
  let header: Record<string, unknown>;
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(headerText);
  } catch (err) {
    throw new CheckpointError(`The header is not valid UTF-8 JSON: ${(err as Error).message}`, 'corrupted');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new CheckpointError('The header is not a JSON object', 'corrupted');
  const metadata = header.__metadata__ ?? {};
  if (typeof metadata !== 'object' || Array.isArray(metadata) || Object.values(metadata as object).some((v) => typeof v !== 'string')) {
    throw new CheckpointError('__metadata__ must map strings to strings', 'corrupted');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const spans: { name: string; shape: number[]; dtype: TensorDtype; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = e?.data_offsets as unknown[] | undefined;
    if (!isShape(e?.shape) || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw new CheckpointError(`Tensor '${name}' has a malformed header entry`, 'corrupted');
    }
    if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, e.dtype)) {
      throw new CheckpointError(`Tensor '${name}' has dtype ${String(e.dtype)}; edgeoptim reads F32, BF16, I8 and U8`, 'format');
    }
    const dtype = e.dtype as TensorDtype;
    const [begin, end] = offsets as [number, number];
    if (end - begin !== product(e.shape) * DTYPE_BYTES[dtype]) {
      throw new CheckpointError(`Tensor '${name}': data_offsets [${begin}, ${end}] do not hold shape [${e.shape.join(', ')}] of ${dtype}`, 'corrupted');
    }
    spans.push({ name, shape: e.shape, dtype, begin, end });
  }
  const byStart = [...spans].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const s of byStart) {
    if (s.begin !== cursor) throw new CheckpointError(`Tensor '${s.name}' starts at byte ${s.begin}, expected ${cursor} (holes or overlaps)`, 'corrupted');
    cursor = s.end;
  }
  if (cursor > dataLength) throw new CheckpointError(`The tensors need ${cursor} data bytes but the file has ${dataLength}`, 'truncated');
  if (cursor < dataLength) throw new CheckpointError(`The file has ${dataLength - cursor} bytes after the last tensor`, 'corrupted');
  const tensors = new Map<string, StoredTensor>();
  for (const s of spans) tensors.set(s.name, { shape: s.shape, data: fromBytes(bytes, dataStart + s.begin, dataStart + s.end, s.dtype) });
  return { metadata: metadata as Record<string, string>, tensors, headerText, headerOffset: 8 };
}
