/**
 * Checkpoints for a DeviceOptimizer (groups on WebGPU or wasm): the same file format and bytes as
 * saveCheckpoint/loadCheckpoint, which do all the work through a synchronous facade. Saving reads
 * everything back first; loading parses and validates into memory with the core code (so a bad file
 * throws the same CheckpointError and the device is never touched), then applies the values.
 */
import { CheckpointError } from '../errors';
import type { StateDict } from '../optimizer';
import {
  loadCheckpoint, saveCheckpoint,
  type CheckpointableOptimizer, type LoadCheckpointOptions, type SaveCheckpointOptions, type Stateful,
} from '../checkpoint/checkpoint';
import type { DeviceOptimizer } from './device-optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStateDict = StateDict<any>;

/** Serializes a DeviceOptimizer (and schedule/components) into checkpoint bytes, as saveCheckpoint does. */
export async function saveDeviceCheckpoint<O extends object>(
  dev: DeviceOptimizer<O>,
  options: SaveCheckpointOptions = {},
): Promise<Uint8Array> {
  const sd = await dev.stateDict();
  const names = dev.tensorNames;
  const params = new Map<string, Float32Array>();
  for (const n of names) params.set(n, await dev.readParam(n));
  const grads = new Map<string, Float32Array>();
  if (options.grads) for (const n of names) grads.set(n, await dev.readGrad(n));
  const facade: CheckpointableOptimizer = {
    rule: dev.rule,
    tensorNames: names,
    shape: (n) => dev.shape(n),
    param: (n) => params.get(n)!,
    grad: (n) => grads.get(n)!,
    stateDict: () => sd,
    loadStateDict: () => {
      throw new Error('unreachable: saving loads nothing');
    },
  };
  return saveCheckpoint(facade, options);
}

/**
 * Restores a checkpoint (written from any backend) into a DeviceOptimizer and the given
 * schedule/components. The file is fully checked before anything changes; if applying still
 * fails, the optimizer, schedule and components are restored. Returns the user metadata.
 */
export async function loadDeviceCheckpoint<O extends object>(
  bytes: Uint8Array,
  dev: DeviceOptimizer<O>,
  options: LoadCheckpointOptions = {},
): Promise<Readonly<Record<string, string>>> {
  const names = dev.tensorNames;
  // The optimizer as loadCheckpoint sees it: its layout, and buffers that capture what it writes.
  const here = {
    rule: dev.rule,
    state: {},
    param_groups: Array.from({ length: dev.groupCount }, (_, i) => ({ params: dev.groupLayout(i).tensors.map((t) => t.name) })),
  } as unknown as AnyStateDict;
  let loaded: AnyStateDict | null = null;
  const params = new Map(names.map((n) => [n, new Float32Array(dev.shape(n).reduce((a, b) => a * b, 1))]));
  const grads = new Map<string, Float32Array>();
  const facade: CheckpointableOptimizer = {
    rule: dev.rule,
    tensorNames: names,
    shape: (n) => dev.shape(n),
    param: (n) => params.get(n)!,
    grad: (n) => {
      if (!grads.has(n)) grads.set(n, new Float32Array(params.get(n)!.length));
      return grads.get(n)!;
    },
    stateDict: () => here,
    loadStateDict: (sd) => {
      loaded = sd === here ? null : sd;
    },
  };
  // Schedules and components are applied by loadCheckpoint; keep their states to undo that if the
  // device then refuses the optimizer's part.
  const parts: Stateful[] = [...(options.schedule ? [options.schedule] : []), ...Object.values(options.components ?? {})];
  const partsBefore = parts.map((c) => c.stateDict());
  const user = loadCheckpoint(bytes, facade, options);
  const sd = loaded as AnyStateDict | null;
  if (!sd) throw new CheckpointError('Checkpoint was not applied', 'corrupted');
  const hasGrads = grads.size > 0;

  // Apply with rollback: what the device holds now, read back only once the file has passed.
  let backup: { sd: AnyStateDict; params: Float32Array[]; grads: Float32Array[] } | null = null;
  try {
    backup = { sd: await dev.stateDict(), params: [], grads: [] };
    for (const n of names) backup.params.push(await dev.readParam(n));
    if (hasGrads) for (const n of names) backup.grads.push(await dev.readGrad(n));
    await dev.loadStateDict(sd as StateDict<O>);
    for (const n of names) {
      dev.setParam(n, params.get(n)!);
      if (hasGrads) dev.setGrad(n, grads.get(n)!);
    }
    await dev.sync(); // uploads done; the loaded state becomes the last acknowledged one
  } catch (err) {
    parts.forEach((c, i) => c.loadStateDict(partsBefore[i]));
    if (backup && backup.params.length === names.length) {
      try {
        await dev.loadStateDict(backup.sd as StateDict<O>);
        names.forEach((n, i) => dev.setParam(n, backup!.params[i]));
        if (backup.grads.length === names.length) names.forEach((n, i) => dev.setGrad(n, backup!.grads[i]));
        await dev.sync();
      } catch {
        // The device itself failed (e.g. lost): recover() or another load is the way back.
      }
    }
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`Checkpoint does not fit: ${(err as Error).message}`, 'mismatch');
  }
  return user;
}
