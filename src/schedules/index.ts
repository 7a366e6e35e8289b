// Learning-rate schedules with torch.optim.lr_scheduler's names and semantics.
export {
  LRScheduler, initialLrsOf,
  type Scheduler, type SchedulerState, type SchedulableOptimizer, type SchedulableGroup,
} from './scheduler';
export { StepLR, MultiStepLR, type StepLROptions, type MultiStepLROptions } from './step';
export { ExponentialLR, type ExponentialLROptions } from './exponential';
export { LinearLR, ConstantLR, type LinearLROptions, type ConstantLROptions } from './linear';
export { PolynomialLR, type PolynomialLROptions } from './polynomial';
export { LambdaLR, MultiplicativeLR, type LambdaLROptions, type LrLambda } from './lambda';
export {
  CosineAnnealingLR, CosineAnnealingWarmRestarts, type CosineAnnealingLROptions, type CosineAnnealingWarmRestartsOptions,
} from './cosine';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle';
export { CyclicLR, type CyclicLROptions, type CyclicMode } from './cyclic';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau';
export { SequentialLR, ChainedScheduler, type SequentialLROptions } from './compose';
export { SWALR, type SWALROptions } from './swalr';
