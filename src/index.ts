// edgeoptim's public API.
export { init, initSync, isInitialized } from './wasm/loader';
export { kernelBuild, relaxedSimdSupported, selectKernelBuild, type KernelBuild, type KernelBuildOptions } from './wasm/loader';
export {
  initThreads, closeThreads, whenThreadsReady, threadPool, threadsUnavailableReason, DEFAULT_MIN_ELEMENTS, DEFAULT_MIN_ELEMENTS_IDLE,
  type ThreadsOptions, type ThreadsInfo,
} from './threads/index';
export {
  Optimizer,
  type NonFinitePolicy, type TensorInit, type ParamDict, type GroupInput, type ParamsInput, type ParamGroup, type StateDict, type TensorState,
} from './optimizer';
export {
  EdgeOptimError, InvalidOptionError, TensorError, StateDictError, NotInitializedError, ArenaTooLargeError,
  NonFiniteGradientError, WorkerPoolError, WorkerTimeoutError,
} from './errors';
export { ALIGN_ELEMENTS, planLayout, parameterCount, type ArenaLayout, type GroupLayout, type TensorLayout } from './layout';
export type { RuleSpec, SlotSpec, Scalars, GroupVectors } from './rules/spec';
// Low-precision optimizer state (statePrecision): options, layout facts and the codecs of its storage forms.
export type { OptimizerOptions, EngineOptions, StatePrecision, StateRounding, RawStateArray } from './optimizer';
export { QUANT_BLOCK, DTYPE_BYTES, stateByteLength, type SlotDtype } from './layout';
export { INT8_MIN_ELEMENTS, supportedPrecisions } from './lowp/precision';
export { bf16FromFloat, bf16ToFloat, encodeBf16, decodeBf16, encodeQ8, decodeQ8 } from './lowp/codec';
export * from './schedules/index';
export { clipGradNorm, clipGradValue, gradNorm, type ClipGradNormOptions, type ClippableOptimizer } from './toolkit/clip';
export { Random, type RandomState } from './random';
export { GradientNoise, type GradientNoiseOptions, type GradientNoiseState } from './toolkit/noise';
export { GradAccumulator, type GradAccumulatorOptions, type AccumulatingOptimizer } from './toolkit/accumulate';
export { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './toolkit/early-stopping';
export { AveragedModel, type AveragedModelOptions, type AveragedModelState } from './toolkit/averaging';
export { epochBatches, MiniBatchSampler, type MiniBatchOptions } from './toolkit/batches';
export * from './checkpoint/index';
export { CheckpointError, type CheckpointErrorReason } from './errors';
export { RULES } from './rules/index';
export { SGD, sgdSpec, type SGDOptions } from './rules/sgd';
export { Adam, adamSpec, type AdamOptions } from './rules/adam';
export { AdamW, adamwSpec, type AdamWOptions } from './rules/adamw';
export { HVAdam, hvadamSpec, type HVAdamOptions } from './rules/hvadam';
export { Lookahead, lookahead, LOOKAHEAD_DEFAULTS, type LookaheadOptions } from './lookahead';
export {
  QHM, qhmSpec, qhmFromPid, qhmFromSynthesizedNesterov, qhmFromRobustMomentum, qhmFromAccSgd, qhmFromTwoStateOptimizer,
  type QHMOptions, type QHMParams, type QHMWeightDecayType,
} from './rules/qhm';
export { QHAdam, qhadamSpec, qhadamFromNadam, type QHAdamOptions, type QHAdamParams } from './rules/qhadam';
export { QHAdamW, qhadamwSpec, type QHAdamWOptions } from './rules/qhadamw';
export { AdaMomentum, adamomentumSpec, type AdaMomentumOptions } from './rules/adamomentum';
export { AdaBelief, adabeliefSpec, type AdaBeliefOptions } from './rules/adabelief';
export { Yogi, yogiSpec, type YogiOptions } from './rules/yogi';
export { AdaBound, adaboundSpec, type AdaBoundOptions } from './rules/adabound';
export { RAdam, radamSpec, type RAdamOptions } from './rules/radam';
export { Rprop, rpropSpec, type RpropOptions } from './rules/rprop';
export { ASGD, asgdSpec, type ASGDOptions } from './rules/asgd';
export { AMSGrad, amsgradSpec, type AMSGradOptions } from './rules/amsgrad';
export { Momentum, momentumSpec, type MomentumOptions } from './rules/momentum';
export { NesterovMomentum, nagSpec, type NesterovMomentumOptions } from './rules/nag';
export { Adagrad, adagradSpec, type AdagradOptions } from './rules/adagrad';
export { Adadelta, adadeltaSpec, type AdadeltaOptions } from './rules/adadelta';
export { RMSprop, rmspropSpec, type RMSpropOptions } from './rules/rmsprop';
export { Adamax, adamaxSpec, type AdamaxOptions } from './rules/adamax';
export { NAdam, nadamSpec, type NAdamOptions, type NAdamSchedule } from './rules/nadam';
