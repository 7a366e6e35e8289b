// The kernel module's exports: one file per update-rule family.
export { sgd_step, sgd_momentum_step } from './sgd';
export { adam_step } from './adam';
export { slot_sum_squares, slot_max_abs, slot_scale, slot_clamp } from './clip';
export { qhm_step } from './qhm';
export { qhadam_step } from './qhadam';
export { adamomentum_step } from './adamomentum';
export { adabelief_step } from './adabelief';
export { yogi_step } from './yogi';
export { hvadam_moments, hvadam_hidden_step, hvadam_reset_v } from './hvadam';
export { lookahead_sync } from './lookahead';
export { radam_step } from './radam';
export { rprop_step } from './rprop';
export { adagrad_step } from './adagrad';
export { adadelta_step } from './adadelta';
export { rmsprop_step } from './rmsprop';
export { adamax_step } from './adamax';
export { nadam_step } from './nadam';
export { all_finite } from './checks';
