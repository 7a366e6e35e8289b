// ONNX Runtime Web's wasm execution provider running the rule's own ONNX graph (the graph the
// WebGPU path runs: src/webgpu/graphs, serialized by src/onnx). One step = session.run with the
// step's scalars + copying the outputs back into the inputs (the wasm EP returns copies; it ignores
// pre-allocated outputs), which is what a step loop on ORT has to do. One intra-op thread, as
// edgeoptim's 1-thread column; ORT's own thread count is reported.
import * as ort from 'onnxruntime-web';
import { GRAPHS } from '../../src/webgpu/graphs/index';
import { buildRuleModel } from '../../src/webgpu/runtime';
import type { AnyRuleSpec, Scalars } from '../../src/rules/spec';
import { asyncContender, type Contender } from '../contender';
import { benchOptions, fillRandom } from '../rule-throughput';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export const ortInfo = (): Record<string, unknown> => ({ version: ort.env.versions?.web, numThreads: ort.env.wasm.numThreads });

const sessions = new Map<string, Promise<{ session: ort.InferenceSession; scalarInputs: string[] }>>();

function sessionFor(spec: AnyRuleSpec, options: object) {
  let s = sessions.get(spec.name);
  if (!s) {
    const model = buildRuleModel(spec, options);
    s = ort.InferenceSession.create(model.bytes, { executionProviders: ['wasm'] }).then((session) => ({ session, scalarInputs: model.scalarInputs }));
    sessions.set(spec.name, s);
  }
  return s;
}

/** ORT steps of the rule's graph, or a reason when the rule has no ONNX graph. */
export async function ortContender(spec: AnyRuleSpec, n: number): Promise<Contender | string> {
  const graph = GRAPHS[spec.name];
  if (!graph) return 'no ONNX graph';
  const options = benchOptions(spec);
  try {
    const { session, scalarInputs } = await sessionFor(spec, options);
    const slots = spec.slots(options).map((s: { name: string }) => s.name);
    const vectors: Record<string, Float32Array> = { param: new Float32Array(n), grad: new Float32Array(n) };
    for (const s of slots) vectors[s] = new Float32Array(n);
    fillRandom(vectors.param, 1);
    fillRandom(vectors.grad, 2);
    let scalars: Scalars = { ...(spec.initialScalars?.(options) ?? {}), step: 0 };
    const step = async (): Promise<void> => {
      scalars = { ...scalars, step: scalars.step + 1 };
      const values = graph.scalars(spec.coefficients(options, scalars), options);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, data] of Object.entries(vectors)) feeds[name] = new ort.Tensor('float32', data, [n]);
      for (const name of scalarInputs) feeds[name] = new ort.Tensor('float32', new Float32Array([values[name]]), []);
      const out = await session.run(feeds);
      vectors.param.set(out.param_out.data as Float32Array);
      for (const s of slots) vectors[s].set(out[`${s}_out`].data as Float32Array);
      for (const o of Object.values(out)) o.dispose();
    };
    return await asyncContender(step);
  } catch (err) {
    return `failed: ${(err as Error).message.split('\n')[0]}`;
  }
}
