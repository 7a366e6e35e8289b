// Typed errors of the WebGPU path (all EdgeOptimError subclasses, like the core's).
import { EdgeOptimError } from '../errors';

/** WebGPU or ONNX Runtime Web's WebGPU backend is not usable here (and the caller asked for it). */
export class BackendUnavailableError extends EdgeOptimError {
  override readonly name: string = 'BackendUnavailableError';
}

/**
 * The GPU device was lost (driver reset, `device.destroy()`, tab in the background for too long).
 * The GPU-resident state is gone; `lastGoodSteps[g]` is the step count of the last acknowledged
 * state of each GPU group (kept on the CPU), from which `recover()` resumes on wasm.
 */
export class DeviceLostError extends EdgeOptimError {
  override readonly name: string = 'DeviceLostError';
  constructor(message: string, readonly reason: string, readonly lastGoodSteps: readonly (number | null)[]) {
    super(message);
  }
}

/** A tensor's data was asked for synchronously where it lives on the GPU. */
export class DataLocationError extends EdgeOptimError {
  override readonly name: string = 'DataLocationError';
}
