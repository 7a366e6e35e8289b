// edgeoptim/tfjs: any edgeoptim rule as a TensorFlow.js optimizer. `@tensorflow/tfjs-core` is a
// peer dependency of this entry only; the core ('edgeoptim') never imports it.
import { RULES } from '../rules/index';
import { EdgeOptimizer, type EdgeOptimizerConfig } from './optimizer';

export { EdgeOptimizer, type EdgeOptimizerConfig, type NamedTensor, type TfGroup, type VariableMatch, type VariableLike } from './optimizer';
export { describeDataPath } from './transfer';

/** A factory per registered rule, like `tf.train.adam()`: `train.adamw({ lr: 1e-3, weightDecay: 0.01 })`. */
export type TrainFactory = (options?: Record<string, unknown>, config?: EdgeOptimizerConfig<Record<string, unknown>>) => EdgeOptimizer;

/** `train.<rule>(options, config)` for every rule in edgeoptim's registry. */
export const train: Readonly<Record<string, TrainFactory>> = Object.freeze(
  Object.fromEntries(Object.keys(RULES).map((name) => [name, ((options = {}, config = {}) => new EdgeOptimizer(name, options, config)) as TrainFactory])),
);
