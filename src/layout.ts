/**
 * The flat arena's layout: the contract shared by the CPU (wasm) and GPU paths and by checkpoints.
 *
 * Slot-major: for each parameter group, every slot (`param`, `grad`, then the rule's state slots
 * such as `exp_avg`) is one contiguous float32 vector of `slotLength` elements, and every tensor
 * sits at the same element offset in every slot. Offsets are aligned to ALIGN_ELEMENTS (64 bytes).
 * Padding between tensors holds param 0 and grad 0, so a kernel may run over the whole slot: state
 * padding may hold a slot's initial value (Adagrad's accumulator), and with eps = 0 a rule computes
 * 0/0 there exactly as torch does on a zero gradient. Padding never reaches users or checkpoints.
 * Pure data: no WebAssembly here.
 */
import { TensorError } from './errors';

/** Tensor offsets and slot lengths are multiples of this many float32 elements (64 bytes). */
export const ALIGN_ELEMENTS = 16;

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
  /** Slot names in memory order: `param`, `grad`, then the rule's state slots. */
  readonly slots: readonly string[];
  /** Elements per slot (the tensors plus alignment padding). */
  readonly slotLength: number;
  /** Byte offset of each slot's first element in the arena memory. */
  readonly slotByteOffset: Readonly<Record<string, number>>;
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
}

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

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
    let offset = 0;
    const tensors = plan.tensors.map((t) => {
      const size = shapeSize(t.name, t.shape);
      const layout: TensorLayout = { name: t.name, shape: [...t.shape], size, offset };
      offset += roundUp(size, alignElements);
      return layout;
    });
    const slotLength = offset;
    const slotByteOffset: Record<string, number> = {};
    for (const slot of plan.slots) {
      slotByteOffset[slot] = cursor;
      cursor += slotLength * 4;
    }
    cursor = roundUp(cursor, 64);
    return { tensors, slots: [...plan.slots], slotLength, slotByteOffset };
  });
  return { groups, byteLength: cursor, alignElements };
}

/** Total number of parameter elements (without padding). */
export function parameterCount(layout: ArenaLayout): number {
  return layout.groups.reduce((n, g) => n + g.tensors.reduce((m, t) => m + t.size, 0), 0);
}
