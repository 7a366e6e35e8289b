// edgeoptim/ort: fine-tuning with ONNX Runtime Web. A graph computes the loss and the gradients,
// edgeoptim updates the parameters: on ORT's wasm EP with the wasm arena (WasmTrainer), or on its
// WebGPU EP with GPU-resident state (WebGpuTrainer). onnxruntime-web is the caller's (a peer).
export { ModelBuilder, Sym, type Dim, type Attr } from './graph';
export {
  classifierShapes, classifierInit, classifierTrainModel, classifierPredictModel, targetsFor, gradName,
  type ClassifierHeadSpec, type ClassifierIo,
} from './classifier';
export { WasmTrainer, WebGpuTrainer, type TrainerOptions, type WasmOptimizerLike, type GpuOptimizerLike, type OrtLike } from './trainer';
