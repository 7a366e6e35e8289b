/**
 * Copies of an optimizer's parameter slots (one Float32Array per group, padding included), for
 * early stopping's best parameters and weight averages.
 */
import type { ArenaLayout } from '../layout';
import { StateDictError } from '../errors';

/** What a snapshot needs of an optimizer. */
export interface SnapshotOptimizer {
  readonly layout: ArenaLayout;
  slotView(group: number, slot: string): Float32Array;
}

/** A copy of every group's param slot. */
export function snapshotParams(optimizer: SnapshotOptimizer): Float32Array[] {
  return optimizer.layout.groups.map((_, g) => optimizer.slotView(g, 'param').slice());
}

/** Copies `snapshot` back into the param slots (checked first: one array per group, of the slot's length). */
export function restoreParams(optimizer: SnapshotOptimizer, snapshot: readonly Float32Array[]): void {
  checkSnapshot(optimizer, snapshot, 'snapshot');
  snapshot.forEach((s, g) => optimizer.slotView(g, 'param').set(s));
}

export function checkSnapshot(optimizer: SnapshotOptimizer, snapshot: unknown, label: string): asserts snapshot is Float32Array[] {
  const groups = optimizer.layout.groups;
  if (!Array.isArray(snapshot) || snapshot.length !== groups.length) {
    throw new StateDictError(`The ${label} has ${Array.isArray(snapshot) ? snapshot.length : 'no'} groups; this optimizer has ${groups.length}`);
  }
  snapshot.forEach((s, g) => {
    if (!(s instanceof Float32Array) || s.length !== groups[g].slotLength) {
      throw new StateDictError(`The ${label} of group ${g} has ${String((s as Float32Array)?.length)} elements; its param slot has ${groups[g].slotLength}`);
    }
  });
}
