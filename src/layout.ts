/**
 * The flat arena's layout: the contract shared by the CPU (wasm) and GPU paths and by checkpoints.
 *
 * Slot-major: for each parameter group, every slot (`param`, `grad`, then the rule's state slots
 * such as `exp_avg`) is one contiguous vector of `slotLength` elements, and every tensor sits at the
 * same element offset in every slot. Offsets are aligned to ALIGN_ELEMENTS (64 bytes of float32).
 * Each slot has a dtype (`slotDtype`): `param` and `grad` are float32; state slots are float32
 * unless the optimizer stores its state in low precision (`statePrecision`, src/lowp/): then they
 * are bfloat16 (2 bytes, the upper half of a float32) or 8-bit codes (`int8` for signed values,
 * `uint8` for non-negative ones) in blocks of QUANT_BLOCK elements, each 8-bit slot followed by its
 * float32 companion `<slot>.absmax` (one scale per block, `slotElements` = slotLength / QUANT_BLOCK).
 * A group with 8-bit slots aligns its tensor offsets to QUANT_BLOCK elements, so every block belongs
 * to one tensor. Every slot starts on a 64-byte boundary (`slotByteOffset`).
 * Padding between tensors holds param 0 and grad 0, so a kernel may run over the whole slot: state
 * padding may hold a slot's initial value (Adagrad's accumulator), and with eps = 0 a rule computes
 * 0/0 there exactly as torch does on a zero gradient. Padding never reaches users or checkpoints.
 * Pure data: no WebAssembly here.
 */
import { TensorError } from './errors';

/** Tensor offsets and slot lengths are multiples of this many float32 elements (64 bytes). */
export const ALIGN_ELEMENTS = 16;

/** How a slot's elements are stored (see the header); `param` and `grad` are always float32. */
export type SlotDtype = 'float32' | 'bfloat16' | 'int8' | 'uint8';

/** Bytes per element of each slot dtype. */
export const DTYPE_BYTES: Readonly<Record<SlotDtype, number>> = { float32: 4, bfloat16: 2, int8: 1, uint8: 1 };

/** Elements per quantization block of an 8-bit slot: each block has one float32 scale (absmax). */
export const QUANT_BLOCK = 256;

/** The float32 companion slot of an 8-bit slot: `exp_avg` -> `exp_avg.absmax`. */
export const absmaxSlot = (slot: string): string => `${slot}.absmax`;

/** True for the 8-bit (block-quantized) dtypes. */
export const isQuantized = (dtype: SlotDtype | undefined): boolean => dtype === 'int8' || dtype === 'uint8';

/** Every slot starts on a multiple of this many bytes. */
export const SLOT_ALIGN_BYTES = 64;

/**
 * Bytes left free after every slot of at least STAGGER_MIN_BYTES, so that large slots do not start
 * a power of two apart (4 KiB + one cache line). Slots of 2^k bytes placed back to back make every
 * kernel stream hit the same cache sets and memory banks: on the reference machine an Adam step
 * over 64M elements ran at 0.08 G elem/s with back-to-back slots and 0.68 with the stagger.
 */
export const SLOT_STAGGER_BYTES = 4096 + 64;
export const STAGGER_MIN_BYTES = 65536;

/** Bytes at the start of wasm memory kept for the kernels' statics and scratch (one wasm page). */
export const RESERVED_BYTES = 65536;

export interface TensorLayout {
  readonly name: string;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape). */
  readonly size: number;
  /** Element offset of this tensor inside each slot of its group. */
  readonly offset: number;
}

export interface GroupLayout {
  readonly tensors: readonly TensorLayout[];
  /**
   * Slot names in memory order: `param`, `grad`, then the rule's state slots (an 8-bit slot is
   * followed by its `<slot>.absmax`).
   */
  readonly slots: readonly string[];
  /** Elements per slot (the tensors plus alignment padding). */
  readonly slotLength: number;
  /** Byte offset of each slot's first element in the arena memory (a multiple of 64). */
  readonly slotByteOffset: Readonly<Record<string, number>>;
  /** Storage dtype of each slot; float32 unless the group stores its state in low precision. */
  readonly slotDtype: Readonly<Record<string, SlotDtype>>;
  /** Elements of each slot: `slotLength`, or `slotLength / QUANT_BLOCK` for an `.absmax` slot. */
  readonly slotElements: Readonly<Record<string, number>>;
  /** QUANT_BLOCK when the group has 8-bit slots (tensor offsets are multiples of it), else 0. */
  readonly blockSize: number;
}

export interface ArenaLayout {
  readonly groups: readonly GroupLayout[];
  /** Total bytes of memory the arena needs, the reserved bytes included. */
  readonly byteLength: number;
  readonly alignElements: number;
}

export interface GroupPlan {
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly slots: readonly string[];
  /** Storage dtype by slot name; slots not named here (and always `param`, `grad`) are float32. */
  readonly dtypes?: Readonly<Record<string, SlotDtype>>;
}

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function shapeSize(name: string, shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new TensorError(`Invalid shape for tensor '${name}': expected an array of sizes`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorError(`Invalid shape for tensor '${name}': [${shape.join(', ')}] (sizes must be non-negative integers)`);
    }
    size *= d;
  }
  return size;
}

/** Plans the arena for the given groups. `alignElements` = 1 packs tensors (used by tests). */
export function planLayout(plans: readonly GroupPlan[], alignElements = ALIGN_ELEMENTS): ArenaLayout {
  let cursor = RESERVED_BYTES;
  const groups = plans.map((plan): GroupLayout => {
    const dtypeOf = (slot: string): SlotDtype =>
      slot === 'param' || slot === 'grad' ? 'float32' : (plan.dtypes?.[slot] ?? 'float32');
    const blockSize = plan.slots.some((s) => isQuantized(dtypeOf(s))) ? QUANT_BLOCK : 0;
    // 8-bit groups: tensors start on block boundaries (the least common multiple with the alignment).
    const align = blockSize ? (alignElements * blockSize) / gcd(alignElements, blockSize) : alignElements;
    let offset = 0;
    const tensors = plan.tensors.map((t) => {
      const size = shapeSize(t.name, t.shape);
      const layout: TensorLayout = { name: t.name, shape: [...t.shape], size, offset };
      offset += roundUp(size, align);
      return layout;
    });
    const slotLength = offset;
    const slots: string[] = [];
    const slotByteOffset: Record<string, number> = {};
    const slotDtype: Record<string, SlotDtype> = {};
    const slotElements: Record<string, number> = {};
    const place = (slot: string, dtype: SlotDtype, elements: number): void => {
      cursor = roundUp(cursor, SLOT_ALIGN_BYTES);
      slots.push(slot);
      slotByteOffset[slot] = cursor;
      slotDtype[slot] = dtype;
      slotElements[slot] = elements;
      const bytes = elements * DTYPE_BYTES[dtype];
      cursor += bytes >= STAGGER_MIN_BYTES ? bytes + SLOT_STAGGER_BYTES : bytes;
    };
    for (const slot of plan.slots) {
      const dtype = dtypeOf(slot);
      place(slot, dtype, slotLength);
      if (isQuantized(dtype)) place(absmaxSlot(slot), 'float32', slotLength / QUANT_BLOCK);
    }
    cursor = roundUp(cursor, SLOT_ALIGN_BYTES);
    return { tensors, slots, slotLength, slotByteOffset, slotDtype, slotElements, blockSize };
  });
  return { groups, byteLength: cursor, alignElements };
}

/**
 * Bytes the arena spends on optimizer state: every slot besides `param` and `grad` (scales
 * included), from its start to the next 64-byte boundary, alignment padding included.
 */
export function stateByteLength(layout: ArenaLayout): number {
  let bytes = 0;
  for (const g of layout.groups) {
    for (const slot of g.slots) {
      if (slot === 'param' || slot === 'grad') continue;
      bytes += roundUp(g.slotElements[slot] * DTYPE_BYTES[g.slotDtype[slot]], SLOT_ALIGN_BYTES);
    }
  }
  return bytes;
}

/** Total number of parameter elements (without padding). */
export function parameterCount(layout: ArenaLayout): number {
  return layout.groups.reduce((n, g) => n + g.tensors.reduce((m, t) => m + t.size, 0), 0);
}
