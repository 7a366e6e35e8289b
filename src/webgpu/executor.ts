/**
 * One step of one group on the GPU: the rule's coefficients (float64, computed by the spec in TS)
 * become 0-d float32 inputs, each chunk is one `session.run` from the current buffers into the
 * other set, then the written slots swap. Nothing is read back, except for rules with a group
 * reduction (HVAdam): their few sums are read back per chunk, added in float64, and turned into
 * the second pass's scalars by the spec's own logic.
 */
import type { AnyRuleSpec, Scalars } from '../rules/spec';
import { GRAPHS } from './graphs/index';
import type { GpuGroupArena } from './arena';
import type { OrtTensor } from './ort';
import type { GpuRuntime, PassSession, RuleSession } from './runtime';

function scalarFeeds(runtime: GpuRuntime, rule: string, pass: PassSession, values: Readonly<Record<string, number>>): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (const name of pass.scalarInputs) {
    const v = values[name];
    if (typeof v !== 'number') throw new Error(`The ${rule} graph needs scalar '${name}', which its scalars() did not give`);
    feeds[name] = new runtime.ort.Tensor('float32', new Float32Array([v]), []);
  }
  return feeds;
}

/** Runs one pass over every chunk; returns its sums (float64 over chunks). */
async function runPass(arena: GpuGroupArena, pass: PassSession, scalars: Record<string, OrtTensor>, withGrad: boolean, readSlots: readonly string[]): Promise<Record<string, number>> {
  const sums: Record<string, number> = Object.fromEntries(pass.sums.map((s) => [s, 0]));
  for (let k = 0; k < arena.chunks.length; k++) {
    const { length } = arena.chunks[k];
    const feeds: Record<string, OrtTensor> = { ...scalars };
    if (withGrad) feeds.grad = arena.tensor(arena.buffer('grad', k), length);
    for (const slot of readSlots) feeds[slot] = arena.tensor(arena.buffer(slot, k), length);
    const fetches: Record<string, OrtTensor | null> = {};
    for (const slot of ['param', ...pass.outSlots]) fetches[`${slot}_out`] = arena.tensor(arena.nextBuffer(slot, k), length);
    for (const s of pass.sums) fetches[s] = null;
    const out = await pass.session.run(feeds, fetches);
    for (const s of pass.sums) {
      sums[s] += Number((out[s] as unknown as { data: ArrayLike<number> }).data[0]);
      out[s].dispose();
    }
  }
  arena.swap(['param', ...pass.outSlots]);
  return sums;
}

export async function runGroupStep(
  runtime: GpuRuntime,
  rs: RuleSession,
  arena: GpuGroupArena,
  spec: AnyRuleSpec,
  options: object,
  coef: unknown,
  scalars: Scalars,
): Promise<void> {
  const graph = GRAPHS[spec.name];
  const readSlots = ['param', ...rs.slots];
  const sums = await runPass(arena, rs, scalarFeeds(runtime, spec.name, rs, graph.scalars(coef, options)), true, readSlots);
  if (!rs.second || !graph.second) return;
  const values = graph.second.plan(options, coef, scalars, sums);
  if (values === null) return;
  await runPass(arena, rs.second, scalarFeeds(runtime, spec.name, rs.second, values), false, readSlots);
}
