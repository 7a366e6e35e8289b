// edgeoptim/webgpu: the WebGPU path (ONNX Runtime Web) and the per-group dispatcher.
export {
  createOptimizer, DeviceOptimizer,
  type DeviceConfig, type DeviceGroupInput, type FallbackInfo, type SlotBuffer, type TensorSource,
} from './device-optimizer';
export { decide, estimate, type Backend, type BackendChoice, type CostModel, type DataLocation, type Explanation, type GroupFacts } from './dispatch';
export { BackendUnavailableError, DeviceLostError, DataLocationError } from './errors';
export { probeWebGpu, getRuntime, buildRuleModel, type GpuRuntime, type ProbeResult } from './runtime';
export { GRAPHS, type RuleGraph, type AnyRuleGraph, type GraphVectors, type GraphResult } from './graphs/index';
export { GraphBuilder, Value, ONNX_OPSET, ONNX_IR_VERSION, type Operand } from '../onnx/graph';
export type { OrtModule, OrtTensor, OrtSession } from './ort';
export { saveDeviceCheckpoint, loadDeviceCheckpoint } from './checkpoint';
