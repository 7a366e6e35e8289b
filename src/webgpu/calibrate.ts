/**
 * Measures the cost model's coefficients on this machine: a few wasm steps and a few GPU steps of
 * the rule at two sizes, plus one upload and one read-back. Results are cached per runtime and rule
 * variant. Software adapters (CI) give large GPU costs, so 'auto' rightly picks wasm there.
 */
import { Optimizer } from '../optimizer';
import { planLayout } from '../layout';
import type { AnyRuleSpec } from '../rules/spec';
import { GpuGroupArena } from './arena';
import type { CostModel } from './dispatch';
import { runGroupStep } from './executor';
import type { GpuRuntime } from './runtime';

const LARGE = 1 << 18;
const SMALL = 64;

const now = (): number => performance.now();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cache = new WeakMap<GpuRuntime, Map<string, Promise<CostModel>>>();

export function calibrate(runtime: GpuRuntime, spec: AnyRuleSpec, options: object): Promise<CostModel> {
  let byRule = cache.get(runtime);
  if (!byRule) cache.set(runtime, (byRule = new Map()));
  const key = `${spec.name}/${spec.slots(options).map((s: { name: string }) => s.name).join(',')}`;
  let pending = byRule.get(key);
  if (!pending) {
    pending = measure(runtime, spec, options);
    byRule.set(key, pending);
    pending.catch(() => byRule.delete(key));
  }
  return pending;
}

async function measure(runtime: GpuRuntime, spec: AnyRuleSpec, options: object): Promise<CostModel> {
  const { params: _, ...opts } = options as { params?: unknown };
  // wasm: a warm-up step, then the median of three.
  const cpu = new Optimizer(spec, { x: [LARGE] }, opts);
  cpu.step();
  const cpuTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = now();
    cpu.step();
    cpuTimes.push(now() - t);
  }
  const cpuNsPerElement = (median(cpuTimes) * 1e6) / LARGE;

  const slots = ['param', 'grad', ...spec.slots(opts).map((s: { name: string }) => s.name)];
  const rs = await runtime.session(spec, opts);
  const scalars = { ...(spec.initialScalars?.(opts) ?? {}), step: 1 };
  const coef = spec.coefficients(opts, scalars);
  const arena = (n: number) =>
    new GpuGroupArena(runtime.device, runtime.ort, planLayout([{ tensors: [{ name: 'x', shape: [n] }], slots }]).groups[0], n);
  const timeSteps = async (a: GpuGroupArena, count: number): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = now();
      await runGroupStep(runtime, rs, a, spec, opts, coef, { ...scalars });
      await runtime.device.queue.onSubmittedWorkDone();
      times.push(now() - t);
    }
    return median(times);
  };
  const small = arena(SMALL);
  const large = arena(LARGE);
  try {
    await timeSteps(small, 1); // shader compilation
    await timeSteps(large, 1);
    const gpuFixedMs = await timeSteps(small, 5);
    const gpuLarge = await timeSteps(large, 3);
    const gpuNsPerElement = Math.max(0, ((gpuLarge - gpuFixedMs) * 1e6) / LARGE);
    const t = now();
    large.write('grad', 0, new Float32Array(LARGE));
    await large.read('param');
    const transferNsPerElement = ((now() - t) * 1e6) / LARGE;
    return { cpuNsPerElement, gpuFixedMs, gpuNsPerElement, transferNsPerElement, source: 'measured' };
  } finally {
    small.destroy();
    large.destroy();
  }
}
