/**
 * Checkpoints: an optimizer's parameters, state slots, hyperparameters and step counts, plus its
 * schedule and other training components, in one safetensors file.
 *
 * Tensors (little-endian, declared shapes):
 *   param.<tensor>            parameters (F32)
 *   state.<tensor>.<slot>     state slots under torch's names (exp_avg, momentum_buffer, ...), as the
 *                             optimizer holds them: F32, BF16 (statePrecision 'bfloat16'), or I8/U8
 *                             codes (statePrecision 'int8') with state.<tensor>.<slot>.absmax (F32,
 *                             one scale per block of 256)
 *   grad.<tensor>             gradients (only with `grads: true`, to resume inside an accumulation window)
 *   schedule.<k>, component.<key>.<k>   Float32Array values inside the schedule's or a component's state
 * `__metadata__` (strings only, per the spec):
 *   crc32           CRC-32 of the whole file with these 8 hex digits read as '00000000'
 *   format, format_version   'edgeoptim.checkpoint', '1'
 *   rule            the rule's registry name
 *   param_groups    JSON: each group's options (camelCase) and tensor names, in order
 *   state_scalars   JSON: per tensor, its scalar state (`step`, ...)
 *   schedule, component.<key>   JSON states; ±Infinity/NaN as {"$number": "..."}, arrays as {"$tensor": name}
 *   state_codec     present when 8-bit state is stored: the code map ('edgeoptim-q8-block256-v1')
 *   user.<key>      free-form strings from the caller
 * examples/load_in_torch.py maps such a file onto torch's `optimizer.load_state_dict`.
 */
import { CheckpointError, InvalidOptionError, type CheckpointErrorReason } from '../errors';
import type { StateDict } from '../optimizer';
import { crc32 } from './crc32';
import { decodeSafetensors, dtypeOf, encodeSafetensors, type StoredTensor, type TensorData } from './safetensors';

export const CHECKPOINT_FORMAT = 'edgeoptim.checkpoint';
export const CHECKPOINT_VERSION = '1';
const CRC_KEY = 'crc32';
const CRC_PLACEHOLDER = '00000000';
/** The companion slot of an 8-bit state slot: one float32 scale per block. */
const ABSMAX_SUFFIX = '.absmax';
/** 8-bit state codes follow this map (src/lowp/codec.ts: blocks of 256; int8 x = a·c|c|/127², uint8 x = a·c⁴/255⁴). */
const Q8_CODEC = 'edgeoptim-q8-block256-v1';

/** What a checkpoint needs of an optimizer (the wasm Optimizer; a GPU optimizer can provide the same). */
export interface CheckpointableOptimizer {
  readonly rule: string;
  readonly tensorNames: readonly string[];
  shape(name: string): readonly number[];
  param(name: string): Float32Array;
  grad(name: string): Float32Array;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  stateDict(): StateDict<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  loadStateDict(sd: StateDict<any>): void;
}

/** Anything with a state dict: schedules, AveragedModel, EarlyStopping, GradientNoise, samplers, ... */
export interface Stateful {
  stateDict(): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  loadStateDict(state: any): void;
}

export interface SaveCheckpointOptions {
  /** The lr schedule (any Scheduler). */
  schedule?: Stateful;
  /** Other components, by a key of your choice (letters, digits, '_' and '-'). */
  components?: Readonly<Record<string, Stateful>>;
  /** Store the gradients too (to resume in the middle of gradient accumulation). */
  grads?: boolean;
  /** Free-form string metadata, stored as `user.<key>`. */
  metadata?: Readonly<Record<string, string>>;
}

export interface LoadCheckpointOptions {
  schedule?: Stateful;
  components?: Readonly<Record<string, Stateful>>;
}

/** A verified checkpoint, read without an optimizer. */
export interface CheckpointContents {
  readonly rule: string;
  readonly formatVersion: string;
  readonly paramGroups: readonly (Record<string, unknown> & { params: string[] })[];
  readonly stateScalars: Readonly<Record<string, Record<string, number>>>;
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  /** The raw `__metadata__`. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The `user.<key>` entries, without the prefix. */
  readonly userMetadata: Readonly<Record<string, string>>;
}

const fail = (message: string, reason: CheckpointErrorReason): never => {
  throw new CheckpointError(message, reason);
};

function checkStateful(what: string, c: unknown): void {
  const s = c as Stateful | undefined;
  if (!s || typeof s.stateDict !== 'function' || typeof s.loadStateDict !== 'function') {
    throw new InvalidOptionError(`${what} must have stateDict() and loadStateDict()`);
  }
}

function checkParts(options: LoadCheckpointOptions): void {
  if (options.schedule !== undefined) checkStateful('The schedule', options.schedule);
  for (const [key, c] of Object.entries(options.components ?? {})) checkStateful(`Component '${key}'`, c);
}

// ---- JSON with tensors and non-finite numbers -------------------------------------------------

function encodeJson(value: unknown, prefix: string, tensors: Map<string, StoredTensor>): string {
  let k = 0;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (v instanceof Float32Array) {
      const name = `${prefix}.${k++}`;
      tensors.set(name, { shape: [v.length], data: v });
      return { $tensor: name };
    }
    if (ArrayBuffer.isView(v)) throw new CheckpointError(`Cannot store a ${v.constructor.name} in a checkpoint state (only Float32Array)`, 'format');
    return v;
  });
}

function decodeJson(text: string, what: string, tensors: ReadonlyMap<string, StoredTensor>): unknown {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && typeof o.$number === 'string') return Number(o.$number);
        if (keys.length === 1 && typeof o.$tensor === 'string') {
          const t = tensors.get(o.$tensor);
          if (!t) throw new CheckpointError(`${what} refers to tensor '${o.$tensor}', which the file lacks`, 'corrupted');
          return t.data.slice();
        }
      }
      return v;
    });
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    return fail(`Metadata '${what}' is not valid JSON: ${(err as Error).message}`, 'corrupted');
  }
}

// ---- checksum -----------------------------------------------------------------------------------

const PATTERN = new TextEncoder().encode(`"${CRC_KEY}":"`);

/** Byte offset of the checksum's 8 hex digits in the file (the only `"crc32":"` in the header). */
function checksumOffset(bytes: Uint8Array, headerEnd: number): number {
  let found = -1;
  outer: for (let i = 8; i + PATTERN.length + 8 <= headerEnd; i++) {
    for (let j = 0; j < PATTERN.length; j++) if (bytes[i + j] !== PATTERN[j]) continue outer;
    if (found >= 0) fail('The header holds more than one checksum field', 'corrupted');
    found = i + PATTERN.length;
  }
  return found;
}

function fileChecksum(bytes: Uint8Array, at: number): number {
  let c = crc32(bytes.subarray(0, at));
  c = crc32(new TextEncoder().encode(CRC_PLACEHOLDER), c);
  return crc32(bytes.subarray(at + 8), c);
}

const hex8 = (x: number): string => x.toString(16).padStart(8, '0');

// ---- save ---------------------------------------------------------------------------------------

const KEY = /^[A-Za-z0-9_-]+$/;

/** Serializes the optimizer (and schedule/components) into safetensors bytes. */
export function saveCheckpoint(optimizer: CheckpointableOptimizer, options: SaveCheckpointOptions = {}): Uint8Array {
  for (const key of Object.keys(options)) {
    if (!['schedule', 'components', 'grads', 'metadata'].includes(key)) {
      throw new CheckpointError(`Unknown option '${key}' for saveCheckpoint; known options: schedule, components, grads, metadata`, 'format');
    }
  }
  checkParts(options);
  const sd = optimizer.stateDict();
  const tensors = new Map<string, StoredTensor>();
  const scalars: Record<string, Record<string, number>> = {};
  let quantized = false;
  for (const name of optimizer.tensorNames) tensors.set(`param.${name}`, { shape: optimizer.shape(name), data: optimizer.param(name) });
  for (const name of optimizer.tensorNames) {
    const entry = sd.state[name] ?? {};
    scalars[name] = {};
    for (const [key, v] of Object.entries(entry)) {
      if (typeof v === 'number') {
        scalars[name][key] = v;
        continue;
      }
      // Low-precision state is stored as it is held (bf16 bits, 8-bit codes + per-block absmax), so
      // a round trip is exact; `<slot>.absmax` holds one float per block.
      const data = v as TensorData;
      const dtype = dtypeOf(data);
      if (dtype === 'I8' || dtype === 'U8') quantized = true;
      const shape = key.endsWith(ABSMAX_SUFFIX) ? [data.length] : optimizer.shape(name);
      tensors.set(`state.${name}.${key}`, { shape, data });
    }
  }
  if (options.grads) for (const name of optimizer.tensorNames) tensors.set(`grad.${name}`, { shape: optimizer.shape(name), data: optimizer.grad(name) });

  const metadata: Record<string, string> = {
    [CRC_KEY]: CRC_PLACEHOLDER,
    format: CHECKPOINT_FORMAT,
    format_version: CHECKPOINT_VERSION,
    rule: optimizer.rule,
    param_groups: encodeJson(sd.param_groups, 'param_groups', tensors),
    state_scalars: encodeJson(scalars, 'state_scalars', tensors),
  };
  if (quantized) metadata.state_codec = Q8_CODEC;
  if (options.schedule) metadata.schedule = encodeJson(options.schedule.stateDict(), 'schedule', tensors);
  for (const [key, c] of Object.entries(options.components ?? {})) {
    if (!KEY.test(key)) throw new CheckpointError(`Component key '${key}' must use letters, digits, '_' or '-'`, 'format');
    metadata[`component.${key}`] = encodeJson(c.stateDict(), `component.${key}`, tensors);
  }
  for (const [key, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') throw new CheckpointError(`Metadata '${key}' must be a string (safetensors metadata is string to string)`, 'format');
    metadata[`user.${key}`] = v;
  }
  const bytes = encodeSafetensors(tensors, metadata);
  const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const at = checksumOffset(bytes, headerEnd);
  bytes.set(new TextEncoder().encode(hex8(fileChecksum(bytes, at))), at);
  return bytes;
}

// ---- read ---------------------------------------------------------------------------------------

/** Parses and verifies a checkpoint (format, version, checksum, structure) without applying it. */
export function readCheckpoint(bytes: Uint8Array): CheckpointContents {
  const file = decodeSafetensors(bytes);
  const m = file.metadata;
  if (m.format !== CHECKPOINT_FORMAT) fail(`Not an edgeoptim checkpoint (metadata 'format' is ${JSON.stringify(m.format)})`, 'format');
  if (m.format_version !== CHECKPOINT_VERSION) {
    fail(`Checkpoint format version ${JSON.stringify(m.format_version)}; this build reads version ${CHECKPOINT_VERSION}`, 'version');
  }
  if (typeof m[CRC_KEY] !== 'string' || !/^[0-9a-f]{8}$/.test(m[CRC_KEY])) fail('The checkpoint has no valid crc32 field', 'corrupted');
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const at = checksumOffset(bytes, headerEnd);
  if (at < 0) fail('The checksum field is missing from the header', 'corrupted');
  const expected = m[CRC_KEY];
  const actual = hex8(fileChecksum(bytes, at));
  if (actual !== expected) fail(`Checksum mismatch: the file says ${expected}, its contents give ${actual} (corrupted)`, 'corrupted');
  if (typeof m.rule !== 'string') fail('The checkpoint names no rule', 'corrupted');
  const paramGroups = decodeJson(m.param_groups ?? '', 'param_groups', file.tensors) as CheckpointContents['paramGroups'];
  if (!Array.isArray(paramGroups) || paramGroups.some((g) => !g || !Array.isArray(g.params))) fail('param_groups is malformed', 'corrupted');
  const stateScalars = decodeJson(m.state_scalars ?? '', 'state_scalars', file.tensors) as CheckpointContents['stateScalars'];
  if (!stateScalars || typeof stateScalars !== 'object') fail('state_scalars is malformed', 'corrupted');
  const userMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (k.startsWith('user.')) userMetadata[k.slice(5)] = v;
  return { rule: m.rule, formatVersion: m.format_version, paramGroups, stateScalars, tensors: file.tensors, metadata: m, userMetadata };
}

// ---- load ---------------------------------------------------------------------------------------

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Restores a checkpoint into `optimizer` (and the given schedule/components). Everything is
 * checked first; if applying still fails, what was applied is rolled back, so a throwing call
 * leaves all of them as they were. Returns the user metadata.
 */
export function loadCheckpoint(bytes: Uint8Array, optimizer: CheckpointableOptimizer, options: LoadCheckpointOptions = {}): Readonly<Record<string, string>> {
  checkParts(options);
  const ck = readCheckpoint(bytes);
  if (ck.rule !== optimizer.rule) fail(`Checkpoint was written by rule '${ck.rule}'; this optimizer is '${optimizer.rule}'`, 'rule');

  const here = optimizer.stateDict();
  if (ck.paramGroups.length !== here.param_groups.length) {
    fail(`Checkpoint has ${ck.paramGroups.length} parameter groups; this optimizer has ${here.param_groups.length}`, 'mismatch');
  }
  ck.paramGroups.forEach((g, i) => {
    const names = here.param_groups[i].params;
    if (g.params.length !== names.length || g.params.some((p, k) => p !== names[k])) {
      fail(`Parameter group ${i} holds [${g.params.join(', ')}] in the checkpoint but [${names.join(', ')}] here`, 'mismatch');
    }
  });
  const state: Record<string, Record<string, number | TensorData>> = {};
  for (const name of optimizer.tensorNames) {
    const p = ck.tensors.get(`param.${name}`);
    if (!p) fail(`Checkpoint lacks tensor 'param.${name}'`, 'corrupted');
    const shape = optimizer.shape(name);
    if (shapeText(p!.shape) !== shapeText(shape)) {
      fail(`Tensor '${name}' has shape ${shapeText(p!.shape)} in the checkpoint but ${shapeText(shape)} here`, 'mismatch');
    }
    if (dtypeOf(p!.data) !== 'F32') fail(`Tensor 'param.${name}' is ${dtypeOf(p!.data)}; parameters are F32`, 'corrupted');
    const entry: Record<string, number | TensorData> = { ...(ck.stateScalars[name] ?? {}) };
    const prefix = `state.${name}.`;
    for (const [key, t] of ck.tensors) {
      if (!key.startsWith(prefix)) continue;
      const slot = key.slice(prefix.length);
      const base = slot.endsWith(ABSMAX_SUFFIX) ? slot.slice(0, -ABSMAX_SUFFIX.length) : slot;
      if (base.includes('.')) continue; // another tensor's state whose name extends this one's
      if (base !== slot) {
        if (t.shape.length !== 1 || dtypeOf(t.data) !== 'F32') fail(`State '${key}' must be a 1-D F32 tensor of block scales`, 'corrupted');
      } else if (shapeText(t.shape) !== shapeText(shape)) {
        fail(`State '${key}' has shape ${shapeText(t.shape)}; tensor '${name}' is ${shapeText(shape)}`, 'mismatch');
      }
      if ((dtypeOf(t.data) === 'I8' || dtypeOf(t.data) === 'U8') && ck.metadata.state_codec !== Q8_CODEC) {
        fail(`State '${key}' holds 8-bit codes of codec ${JSON.stringify(ck.metadata.state_codec)}; this build reads ${Q8_CODEC}`, 'format');
      }
      entry[slot] = t.data;
    }
    state[name] = entry;
  }
  const sd = { rule: ck.rule, state, param_groups: ck.paramGroups } as unknown as StateDict;
  const hasGrads = optimizer.tensorNames.every((n) => ck.tensors.has(`grad.${n}`));
  if (hasGrads) {
    for (const n of optimizer.tensorNames) {
      const g = ck.tensors.get(`grad.${n}`)!;
      if (dtypeOf(g.data) !== 'F32' || shapeText(g.shape) !== shapeText(optimizer.shape(n))) fail(`Tensor 'grad.${n}' must be F32 of shape ${shapeText(optimizer.shape(n))}`, 'corrupted');
    }
  }

  const decodeComponent = (key: string, what: string): unknown => {
    const text = ck.metadata[key];
    if (text === undefined) fail(`Checkpoint has no ${what}`, 'mismatch');
    return decodeJson(text, key, ck.tensors);
  };
  const scheduleState = options.schedule ? decodeComponent('schedule', 'schedule state') : undefined;
  const componentStates = Object.entries(options.components ?? {}).map(
    ([key, c]) => [c, decodeComponent(`component.${key}`, `state for component '${key}'`)] as const,
  );

  // Apply with rollback: snapshots of everything about to change.
  const undo: (() => void)[] = [];
  try {
    const params = optimizer.tensorNames.map((n) => optimizer.param(n).slice());
    const grads = hasGrads ? optimizer.tensorNames.map((n) => optimizer.grad(n).slice()) : [];
    undo.push(() => {
      optimizer.loadStateDict(here);
      optimizer.tensorNames.forEach((n, i) => optimizer.param(n).set(params[i]));
      if (hasGrads) optimizer.tensorNames.forEach((n, i) => optimizer.grad(n).set(grads[i]));
    });
    optimizer.loadStateDict(sd);
    for (const name of optimizer.tensorNames) {
      optimizer.param(name).set(ck.tensors.get(`param.${name}`)!.data as Float32Array);
      if (hasGrads) optimizer.grad(name).set(ck.tensors.get(`grad.${name}`)!.data as Float32Array);
    }
    if (options.schedule) {
      const before = options.schedule.stateDict();
      undo.push(() => options.schedule!.loadStateDict(before));
      options.schedule.loadStateDict(scheduleState);
    }
    for (const [c, s] of componentStates) {
      const before = c.stateDict();
      undo.push(() => c.loadStateDict(before));
      c.loadStateDict(s);
    }
  } catch (err) {
    for (const u of undo.reverse()) u();
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`Checkpoint does not fit: ${(err as Error).message}`, 'mismatch');
  }
  return ck.userMetadata;
}
