// Which kernel exports may run split across threads, and how. A kernel listed here must be
// element-wise over its pointer arguments (element i of every slot depends only on element i), so
// running it on aligned sub-ranges with offset pointers gives exactly the one-call result; its
// arguments are `pointers` byte pointers, then the element count n, then scalars.
// Reductions say how the per-thread parts combine: `scratch` float64 sums written to the reduction
// scratch (assembly/common.ts), or the return value (`returns`). Exports not listed here always run
// whole on the calling thread, so a new kernel is correct by default and faster once listed.
// Pointers are offset by 4 bytes per element: kernels over other element sizes (the bf16 and q8
// state kernels, whose q8 scales also cover blocks of elements) are not listed.

export interface KernelTrait {
  /** How many leading arguments are byte pointers into the arena (0 means "none" and stays 0). */
  readonly pointers: number;
  /** float64 sums the kernel writes at REDUCTION_SCRATCH: the main thread adds the workers' blocks. */
  readonly scratch?: number;
  /** How the workers' return values combine with the main thread's. */
  readonly returns?: 'sum' | 'max' | 'and';
}

export const KERNEL_TRAITS: Readonly<Record<string, KernelTrait>> = {
  sgd_step: { pointers: 2 },
  sgd_momentum_step: { pointers: 3 },
  adam_step: { pointers: 5 },
  qhm_step: { pointers: 3 },
  qhadam_step: { pointers: 4 },
  adamomentum_step: { pointers: 4 },
  hvadam_moments: { pointers: 5, scratch: 4 },
  hvadam_hidden_step: { pointers: 3 },
  hvadam_reset_v: { pointers: 2 },
  lookahead_sync: { pointers: 2 },
  radam_step: { pointers: 4 },
  adagrad_step: { pointers: 3 },
  adadelta_step: { pointers: 4 },
  rmsprop_step: { pointers: 5 },
  adamax_step: { pointers: 4 },
  nadam_step: { pointers: 4 },
  adabelief_step: { pointers: 5 },
  yogi_step: { pointers: 4 },
  adabound_step: { pointers: 5 },
  rprop_step: { pointers: 4 },
  asgd_step: { pointers: 3 },
  amsgrad_step: { pointers: 5 },
  momentum_step: { pointers: 3 },
  nag_step: { pointers: 3 },
  slot_scale: { pointers: 1 },
  slot_clamp: { pointers: 1 },
  slot_sum_squares: { pointers: 1, returns: 'sum' },
  slot_max_abs: { pointers: 1, returns: 'max' },
  all_finite: { pointers: 1, returns: 'and' },
};
