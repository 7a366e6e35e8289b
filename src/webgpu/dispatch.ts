/**
 * Which backend steps a parameter group, and why.
 *
 * Cost model (all per step, in milliseconds; estimates, not promises):
 *
 *   wasm   = n · cpuNsPerElement · 1e-6                     + (data on GPU ? n · transferNsPerElement · 1e-6 : 0)
 *   webgpu = chunks · gpuFixedMs + n · gpuNsPerElement · 1e-6 + (data on CPU ? n · transferNsPerElement · 1e-6 : 0)
 *
 * n is the group's slot length (its tensors plus padding). `transferNsPerElement` prices moving
 * one gradient in and one parameter out (8 bytes per element) between CPU and GPU: a group whose
 * data lives on the CPU pays it on WebGPU, one whose data lives on the GPU pays it on wasm.
 * `gpuFixedMs` is the measured cost of one `session.run` (launch, scalar upload, sync), which is
 * what makes small groups cheaper on the CPU. The coefficients are measured once per runtime by
 * `calibrate()` (a few ms on a real GPU, up to a second on software adapters), or given.
 * Ties go to wasm: no device memory, no asynchrony.
 */

/** Where a group's gradients come from and its parameters are consumed. */
export type DataLocation = 'cpu' | 'gpu';

export type Backend = 'wasm' | 'webgpu';
export type BackendChoice = Backend | 'auto';

export interface CostModel {
  /** wasm kernel time per slot element (measured for the rule being dispatched). */
  readonly cpuNsPerElement: number;
  /** Fixed cost of one graph run on the GPU. */
  readonly gpuFixedMs: number;
  /** GPU time per slot element beyond the fixed cost. */
  readonly gpuNsPerElement: number;
  /** CPU⇄GPU traffic per element for one gradient upload plus one parameter read-back. */
  readonly transferNsPerElement: number;
  /** 'measured' or 'given'. */
  readonly source: string;
}

export interface GroupFacts {
  readonly group: number;
  readonly rule: string;
  readonly slotLength: number;
  readonly chunks: number;
  readonly dataOn: DataLocation;
  /** Whether this rule has a WebGPU graph. */
  readonly hasGraph: boolean;
  /** How the group stores its state; the graphs run float32 state only. */
  readonly statePrecision?: string;
}

export interface Explanation {
  readonly group: number;
  /** What was asked for this group. */
  readonly requested: BackendChoice;
  /** Where the group steps now. */
  readonly backend: Backend;
  /** Human-readable reasons, most important first. */
  readonly reasons: readonly string[];
  /** Estimated milliseconds per step on each backend, when the cost model was consulted. */
  readonly estimateMs?: { readonly wasm: number; readonly webgpu: number };
  readonly costModel?: CostModel;
}

const fmt = (ms: number): string => (ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

export function estimate(facts: GroupFacts, model: CostModel): { wasm: number; webgpu: number } {
  const n = facts.slotLength;
  const transfer = n * model.transferNsPerElement * 1e-6;
  const wasm = n * model.cpuNsPerElement * 1e-6 + (facts.dataOn === 'gpu' ? transfer : 0);
  const webgpu = Math.max(1, facts.chunks) * model.gpuFixedMs + n * model.gpuNsPerElement * 1e-6 + (facts.dataOn === 'cpu' ? transfer : 0);
  return { wasm, webgpu };
}

/**
 * Decides a group's backend. `gpu` is null when WebGPU is unusable (with the reason), else the
 * cost model to consult for 'auto'.
 */
export function decide(
  facts: GroupFacts,
  requested: BackendChoice,
  gpu: { model: CostModel } | { unavailable: string },
): Explanation {
  const base = { group: facts.group, requested };
  if (requested === 'wasm') return { ...base, backend: 'wasm', reasons: ["backend 'wasm' was requested"] };
  if (!facts.hasGraph) {
    return { ...base, backend: 'wasm', reasons: [`rule '${facts.rule}' has no WebGPU graph yet`] };
  }
  if (facts.statePrecision && facts.statePrecision !== 'float32') {
    return { ...base, backend: 'wasm', reasons: [`state is stored as ${facts.statePrecision}; the WebGPU graphs run float32 state`] };
  }
  if ('unavailable' in gpu) {
    return { ...base, backend: 'wasm', reasons: [`WebGPU is unavailable: ${gpu.unavailable}`] };
  }
  if (requested === 'webgpu') return { ...base, backend: 'webgpu', reasons: ["backend 'webgpu' was requested"] };
  const est = estimate(facts, gpu.model);
  const backend: Backend = est.webgpu < est.wasm ? 'webgpu' : 'wasm';
  const reasons = [
    `estimated ${fmt(est[backend])} per step on ${backend} vs ${fmt(est[backend === 'wasm' ? 'webgpu' : 'wasm'])} on ${backend === 'wasm' ? 'webgpu' : 'wasm'}`,
    `${facts.slotLength} slot elements in ${facts.chunks} GPU chunk(s); data lives on the ${facts.dataOn.toUpperCase()}`,
    `${gpu.model.source} costs: GPU step ${fmt(gpu.model.gpuFixedMs)} fixed + ${gpu.model.gpuNsPerElement.toFixed(3)} ns/element, `
      + `wasm ${gpu.model.cpuNsPerElement.toFixed(3)} ns/element, transfer ${gpu.model.transferNsPerElement.toFixed(3)} ns/element`,
  ];
  return { ...base, backend, reasons, estimateMs: est, costModel: gpu.model };
}
