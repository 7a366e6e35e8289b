// The kernel module's exports: one file per update-rule family.
export { sgd_step, sgd_momentum_step } from './sgd';
export { adam_step } from './adam';
export { adagrad_step } from './adagrad';
export { adadelta_step } from './adadelta';
export { rmsprop_step } from './rmsprop';
export { adamax_step } from './adamax';
export { nadam_step } from './nadam';
