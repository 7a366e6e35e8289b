/**
 * One WebGPU runtime per ONNX Runtime instance: ORT's device, its limits, the device-loss flag,
 * and the sessions of the rule graphs (one per rule variant, shared by every optimizer, group,
 * chunk and step, since slot lengths are a dynamic dimension and coefficients are inputs).
 */
import { GraphBuilder } from '../onnx/graph';
import type { AnyRuleSpec } from '../rules/spec';
import { BackendUnavailableError, DeviceLostError } from './errors';
import { GRAPHS } from './graphs/index';
import { importOrt, type OrtModule, type OrtSession } from './ort';

export const BUFFER_USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;

/** A compiled rule graph: its session and the scalar inputs it expects. */
export interface RuleSession {
  readonly session: OrtSession;
  readonly scalarInputs: readonly string[];
  readonly slots: readonly string[];
  /** Serialized model size in bytes (reported by explain()). */
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
    const model = buildRuleModel(spec, options, key);
    const session = await this.ort.InferenceSession.create(model.bytes, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
    });
    return { session, scalarInputs: model.scalarInputs, slots, modelBytes: model.bytes.length };
  }
}

/** Serializes `spec`'s graph for `options` (exported for tests that run it on ORT's CPU backend). */
export function buildRuleModel(spec: AnyRuleSpec, options: object, name = spec.name): { bytes: Uint8Array; scalarInputs: string[] } {
  const graph = GRAPHS[spec.name];
  if (!graph) throw new BackendUnavailableError(`Rule '${spec.name}' has no WebGPU graph yet`);
  const slots = spec.slots(options).map((s: { name: string }) => s.name);
  const g = new GraphBuilder(name);
  const x = {
    param: g.vector('param'),
    grad: g.vector('grad'),
    slots: Object.fromEntries(slots.map((s: string) => [s, g.vector(s)])),
  };
  const out = graph.build(g, x, options);
  g.output('param_out', out.param);
  for (const s of slots) {
    const v = out.slots[s];
    if (!v) throw new Error(`The ${spec.name} graph does not return state slot '${s}'`);
    g.output(`${s}_out`, v);
  }
  return { bytes: g.encode(), scalarInputs: g.scalarInputs };
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
