// SGD, Adam and AdamW: the SIMD kernels against the float64 reference on odd sizes and mixes.
import { beforeAll, describe, test } from 'vitest';
import { init } from '../../src/index';
import { sgdSpec } from '../../src/rules/sgd';
import { adamSpec } from '../../src/rules/adam';
import { adamwSpec } from '../../src/rules/adamw';
import { checkKernelAgainstReference, ODD_SIZES } from '../helpers';
import type { AnyRuleSpec } from '../../src/rules/spec';

beforeAll(() => init());

const variants: [AnyRuleSpec, Record<string, unknown>][] = [
  [sgdSpec, { lr: 0.1 }],
  [sgdSpec, { lr: 0.1, weightDecay: 0.01, maximize: true }],
  [sgdSpec, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }],
  [sgdSpec, { lr: 0.05, momentum: 0.9, nesterov: true }],
  [adamSpec, { lr: 1e-2 }],
  [adamSpec, { lr: 1e-2, weightDecay: 0.1, maximize: true, betas: [0.8, 0.99] }],
  [adamSpec, { lr: 1e-2, amsgrad: true, eps: 1e-6 }],
  [adamwSpec, { lr: 1e-2 }],
  [adamwSpec, { lr: 1e-2, weightDecay: 0.5, amsgrad: true }],
];

describe.each(variants)('%s kernel vs float64 reference', (spec, options) => {
  const label = JSON.stringify(options);
  test.each(ODD_SIZES)(`${label}: one tensor of %i elements, packed (SIMD loop + scalar tail)`, (n) => {
    checkKernelAgainstReference(spec, { groups: [[n]], options, config: { alignElements: 1 } });
  });
  test(`${label}: odd mix of tensors in two groups, aligned arena`, () => {
    checkKernelAgainstReference(spec, { groups: [[...ODD_SIZES], [7, 2, 33]], options, groupOptions: [{}, { lr: 3e-3 }], steps: 4 });
  });
  test(`${label}: odd mix packed unaligned`, () => {
    checkKernelAgainstReference(spec, { groups: [[5, 3, 1, 17, 1023]], options, config: { alignElements: 1 }, seed: 7 });
  });
});
