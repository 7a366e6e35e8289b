/**
 * One WebGPU runtime per ONNX Runtime instance: ORT's device, its limits, the device-loss flag,
 * and the sessions of the rule graphs (one per rule variant, shared by every optimizer, group,
 * chunk and step, since slot lengths are a dynamic dimension and coefficients are inputs).
 */
import { GraphBuilder } from '../onnx/graph';
import type { AnyRuleSpec } from '../rules/spec';
import { BackendUnavailableError, DeviceLostError } from './errors';
import { GRAPHS, type GraphResult } from './graphs/index';
import { importOrt, type OrtModule, type OrtSession } from './ort';

export const BUFFER_USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;

/** One compiled pass of a rule graph. */
export interface PassSession {
  readonly session: OrtSession;
  readonly scalarInputs: readonly string[];
  /** The state slots this pass writes (`<slot>_out`). */
  readonly outSlots: readonly string[];
  /** 0-d outputs read back after the pass (group sums). */
  readonly sums: readonly string[];
}

/** A compiled rule graph: one pass, or two with a reduction between them (HVAdam). */
export interface RuleSession extends PassSession {
  readonly slots: readonly string[];
  readonly second?: PassSession;
  /** Serialized model size in bytes (both passes). */
  readonly modelBytes: number;
}

export interface ProbeResult {
  readonly available: boolean;
  /** Why not, when unavailable. */
  readonly reason?: string;
}

/** Whether this runtime exposes WebGPU with an adapter (cheap; does not load ORT). */
export async function probeWebGpu(): Promise<ProbeResult> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return { available: false, reason: 'navigator.gpu is absent (no WebGPU in this runtime)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() returned null (no usable adapter)' };
  } catch (err) {
    return { available: false, reason: `requestAdapter() failed: ${(err as Error).message}` };
  }
  return { available: true };
}

export class GpuRuntime {
  /** Set once the device is lost; never cleared (ORT cannot switch devices). */
  lost: { reason: string; message: string } | null = null;
  private readonly sessions = new Map<string, Promise<RuleSession>>();

  /** Use getRuntime(). */
  // `anchor` is held only so that ORT keeps the device (see getRuntime).
  constructor(readonly ort: OrtModule, readonly device: GPUDevice, readonly anchor: OrtSession) {
    void device.lost.then((info) => {
      this.lost = { reason: info.reason ?? 'unknown', message: info.message ?? '' };
    });
  }

  /** Largest number of float32 elements one buffer of a chunk may hold (a multiple of `align`). */
  maxChunkElements(align: number): number {
    const bytes = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    return Math.max(align, Math.floor(bytes / 4 / align) * align);
  }

  /** Throws DeviceLostError when the device is gone. */
  checkAlive(lastGoodSteps: readonly (number | null)[] = []): void {
    if (this.lost) {
      throw new DeviceLostError(
        `The WebGPU device was lost (${this.lost.reason}${this.lost.message ? `: ${this.lost.message}` : ''}); GPU-resident optimizer state is gone`,
        this.lost.reason,
        lastGoodSteps,
      );
    }
  }

  /** The session of `spec`'s graph for these options (built and compiled on first use). */
  session(spec: AnyRuleSpec, options: object): Promise<RuleSession> {
    const graph = GRAPHS[spec.name];
    if (!graph) throw new BackendUnavailableError(`Rule '${spec.name}' has no WebGPU graph yet; use backend 'wasm'`);
    const slots = spec.slots(options).map((s: { name: string }) => s.name);
    const key = `${spec.name}/${graph.variant(options)}/${slots.join(',')}`;
    let pending = this.sessions.get(key);
    if (!pending) {
      pending = this.compile(spec, options, slots, key);
      this.sessions.set(key, pending);
      pending.catch(() => this.sessions.delete(key));
    }
    return pending;
  }

  private async compile(spec: AnyRuleSpec, options: object, slots: string[], key: string): Promise<RuleSession> {
    const models = buildRuleModels(spec, options, key);
    const open = async (m: BuiltModel): Promise<PassSession> => {
      const location: Record<string, string> = {};
      for (const name of ['param', ...m.outSlots]) location[name === 'param' ? 'param_out' : `${name}_out`] = 'gpu-buffer';
      for (const name of m.sums) location[name] = 'cpu';
      const session = await this.ort.InferenceSession.create(m.bytes, {
        executionProviders: ['webgpu'],
        preferredOutputLocation: m.sums.length ? location : 'gpu-buffer',
      });
      return { session, scalarInputs: m.scalarInputs, outSlots: m.outSlots, sums: m.sums };
    };
    const first = await open(models.first);
    const second = models.second ? await open(models.second) : undefined;
    return { ...first, slots, second, modelBytes: models.first.bytes.length + (models.second?.bytes.length ?? 0) };
  }
}

export interface BuiltModel {
  readonly bytes: Uint8Array;
  readonly scalarInputs: string[];
  readonly outSlots: string[];
  readonly sums: string[];
}

/**
 * Serializes `spec`'s graph for `options`: the first pass (inputs `param`, `grad`, every state slot;
 * outputs `param_out`, `<slot>_out`, sums) and, for rules with a reduction, the second (inputs
 * `param` and the state slots after the first pass; outputs `param_out` and the slots it writes).
 */
export function buildRuleModels(spec: AnyRuleSpec, options: object, name = spec.name): { first: BuiltModel; second?: BuiltModel } {
  const graph = GRAPHS[spec.name];
  if (!graph) throw new BackendUnavailableError(`Rule '${spec.name}' has no WebGPU graph yet`);
  const slots = spec.slots(options).map((s: { name: string }) => s.name);
  const finish = (g: GraphBuilder, out: GraphResult): BuiltModel => {
    g.output('param_out', out.param);
    const outSlots = slots.filter((s: string) => out.slots[s] !== undefined);
    for (const s of outSlots) g.output(`${s}_out`, out.slots[s]);
    const sums = Object.keys(out.sums ?? {});
    for (const s of sums) g.output(s, out.sums![s]);
    return { bytes: g.encode(), scalarInputs: g.scalarInputs, outSlots, sums };
  };
  const g1 = new GraphBuilder(name);
  const x = { param: g1.vector('param'), grad: g1.vector('grad'), slots: Object.fromEntries(slots.map((s: string) => [s, g1.vector(s)])) };
  const first = finish(g1, graph.build(g1, x, options));
  let second: BuiltModel | undefined;
  if (graph.second) {
    const g2 = new GraphBuilder(`${name}/2`);
    const y = { param: g2.vector('param'), slots: Object.fromEntries(slots.map((s: string) => [s, g2.vector(s)])) };
    second = finish(g2, graph.second.build(g2, y, options));
  }
  const written = new Set([...first.outSlots, ...(second?.outSlots ?? [])]);
  const missing = slots.filter((s: string) => !written.has(s));
  if (missing.length) throw new Error(`The ${spec.name} graph does not return state slot(s) ${missing.join(', ')}`);
  return { first, second };
}

/** The first pass's model (tests run single-pass rules on ORT's CPU backend with it). */
export function buildRuleModel(spec: AnyRuleSpec, options: object, name = spec.name): { bytes: Uint8Array; scalarInputs: string[] } {
  return buildRuleModels(spec, options, name).first;
}

const runtimes = new WeakMap<OrtModule, Promise<GpuRuntime>>();

/**
 * The runtime for `ort` (default: `import('onnxruntime-web/webgpu')`), created once. Rejects with
 * BackendUnavailableError when WebGPU or ORT's WebGPU backend cannot be had.
 */
export async function getRuntime(ort?: OrtModule): Promise<GpuRuntime> {
  const probe = await probeWebGpu();
  if (!probe.available) throw new BackendUnavailableError(`WebGPU is unavailable: ${probe.reason}`);
  let mod: OrtModule;
  try {
    mod = ort ?? (await importOrt());
  } catch (err) {
    throw new BackendUnavailableError(`Could not load onnxruntime-web/webgpu: ${(err as Error).message}`);
  }
  let pending = runtimes.get(mod);
  if (!pending) {
    pending = (async () => {
      let device: GPUDevice | undefined;
      let anchor: OrtSession;
      try {
        // ORT's native WebGPU EP creates its device with the first WebGPU session, and destroys it
        // when the last session is released: this one is created first and never released.
        const g = new GraphBuilder('edgeoptim_anchor');
        g.output('y', g.vector('x'));
        anchor = await mod.InferenceSession.create(g.encode(), { executionProviders: ['webgpu'] });
        device = await mod.env.webgpu.device;
      } catch (err) {
        throw new BackendUnavailableError(`ONNX Runtime's WebGPU backend could not start: ${(err as Error).message}`);
      }
      if (!device) throw new BackendUnavailableError('ONNX Runtime returned no WebGPU device');
      return new GpuRuntime(mod, device, anchor);
    })();
    runtimes.set(mod, pending);
    pending.catch(() => runtimes.delete(mod));
  }
  return pending;
}
