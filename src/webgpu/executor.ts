/**
 * One step of one group on the GPU: the rule's coefficients (float64, computed by the spec in TS)
 * become 0-d float32 inputs, each chunk is one `session.run` from the current buffer set into the
 * other, then the sets swap. Nothing is read back.
 */
import type { AnyRuleSpec } from '../rules/spec';
import { GRAPHS } from './graphs/index';
import type { GpuGroupArena } from './arena';
import type { OrtTensor } from './ort';
import type { GpuRuntime, RuleSession } from './runtime';

export async function runGroupStep(
  runtime: GpuRuntime,
  rs: RuleSession,
  arena: GpuGroupArena,
  spec: AnyRuleSpec,
  options: object,
  coef: unknown,
): Promise<void> {
  const values = GRAPHS[spec.name].scalars(coef, options);
  const scalarFeeds: Record<string, OrtTensor> = {};
  for (const name of rs.scalarInputs) {
    const v = values[name];
    if (typeof v !== 'number') throw new Error(`The ${spec.name} graph needs scalar '${name}', which its scalars() did not give`);
    scalarFeeds[name] = new runtime.ort.Tensor('float32', new Float32Array([v]), []);
  }
  for (let k = 0; k < arena.chunks.length; k++) {
    const { length } = arena.chunks[k];
    const feeds: Record<string, OrtTensor> = { ...scalarFeeds, grad: arena.tensor(arena.buffer('grad', k), length) };
    const fetches: Record<string, OrtTensor> = {};
    for (const slot of arena.pingPong) {
      feeds[slot] = arena.tensor(arena.buffer(slot, k), length);
      fetches[`${slot}_out`] = arena.tensor(arena.nextBuffer(slot, k), length);
    }
    await rs.session.run(feeds, fetches);
  }
  arena.swap();
}
