/**
 * The safetensors container (huggingface/safetensors): an 8-byte little-endian header length N,
 * N bytes of UTF-8 JSON, then the tensors' raw little-endian bytes. The JSON maps each tensor name
 * to { dtype, shape, data_offsets: [begin, end] } (offsets into the byte buffer after the header,
 * which the tensors cover without holes or overlaps) and may hold "__metadata__", a map of string
 * to string. Only float32 ("F32") tensors are written and read here. The header is padded with
 * spaces to a multiple of 8 bytes, as the reference writer does.
 */
import { CheckpointError } from '../errors';

export interface F32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsContents {
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors by name, in file order (copies of the file's bytes). */
  readonly tensors: ReadonlyMap<string, F32Tensor>;
  /** The header JSON text, and where it starts in the file. */
  readonly headerText: string;
  readonly headerOffset: number;
}

/** The reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function f32ToBytes(data: Float32Array, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, data.byteLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
}

function bytesToF32(bytes: Uint8Array, begin: number, end: number): Float32Array {
  const n = (end - begin) / 4;
  if (LITTLE_ENDIAN) {
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(begin, end));
    return new Float32Array(copy.buffer, 0, n);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
}

/**
 * Serializes `tensors` (in the given order) and `metadata`. The header JSON starts with
 * `{"__metadata__":{` followed by the metadata in its key order (the checkpoint puts its checksum
 * field first), then the tensor entries.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, F32Tensor>,
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const entries: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new CheckpointError("A tensor cannot be named '__metadata__'", 'format');
    if (product(t.shape) !== t.data.length) {
      throw new CheckpointError(`Tensor '${name}': shape [${t.shape.join(', ')}] does not match its ${t.data.length} elements`, 'format');
    }
    entries[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
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
    f32ToBytes(t.data, out, at);
    at += t.data.byteLength;
  }
  return out;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Parses a safetensors file; typed errors: 'truncated' when the file ends early, 'corrupted' when
 * its structure is inconsistent, 'format' for what this reader does not support (non-F32 dtypes).
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
  const spans: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = e?.data_offsets as unknown[] | undefined;
    if (!isShape(e?.shape) || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw new CheckpointError(`Tensor '${name}' has a malformed header entry`, 'corrupted');
    }
    if (e.dtype !== 'F32') throw new CheckpointError(`Tensor '${name}' has dtype ${String(e.dtype)}; edgeoptim reads F32 only`, 'format');
    const [begin, end] = offsets as [number, number];
    if (end - begin !== product(e.shape) * 4) {
      throw new CheckpointError(`Tensor '${name}': data_offsets [${begin}, ${end}] do not hold shape [${e.shape.join(', ')}] of F32`, 'corrupted');
    }
    spans.push({ name, shape: e.shape, begin, end });
  }
  const byStart = [...spans].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const s of byStart) {
    if (s.begin !== cursor) throw new CheckpointError(`Tensor '${s.name}' starts at byte ${s.begin}, expected ${cursor} (holes or overlaps)`, 'corrupted');
    cursor = s.end;
  }
  if (cursor > dataLength) throw new CheckpointError(`The tensors need ${cursor} data bytes but the file has ${dataLength}`, 'truncated');
  if (cursor < dataLength) throw new CheckpointError(`The file has ${dataLength - cursor} bytes after the last tensor`, 'corrupted');
  const tensors = new Map<string, F32Tensor>();
  for (const s of spans) tensors.set(s.name, { shape: s.shape, data: bytesToF32(bytes, dataStart + s.begin, dataStart + s.end) });
  return { metadata: metadata as Record<string, string>, tensors, headerText, headerOffset: 8 };
}
