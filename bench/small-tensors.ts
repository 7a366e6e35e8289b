// Many small tensors vs one tensor of the same total size: 300 tensors of 16–1024 elements in one
// Adam group (edgeoptim steps them in one kernel call over the group's slots), against one tensor
// of the same element count; and, for contrast, the same 300 tensors stepped one kernel call each
// (a per-tensor loop, as torch's for-loop implementation does) and TF.js (one op chain per variable).
import { Optimizer } from '../src/optimizer';
import { adamSpec } from '../src/rules/adam';
import type { Timing } from './timing';
import { interleave, syncContender } from './contender';
import { fillRandom, type TimingOptions } from './rule-throughput';
import { timeTfjsMany } from './peers/tfjs';

export interface SmallTensorsResult {
  readonly tensors: number;
  readonly elements: number;
  readonly paddedElements: number;
  readonly many: Timing;
  readonly one: Timing;
  readonly perTensorCalls: Timing;
  readonly tfjsWasmMany: Timing | string;
  readonly tfjsWasmOne: Timing | string;
}

export function smallTensorSizes(count = 300, seed = 3): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 16 + Math.floor((s / 2 ** 32) * (1024 - 16 + 1));
  });
}

export async function timeSmallTensors(t: TimingOptions, betweenRounds?: () => void): Promise<SmallTensorsResult> {
  const sizes = smallTensorSizes();
  const total = sizes.reduce((a, b) => a + b, 0);
  const options = { lr: 1e-3 };

  const many = new Optimizer(adamSpec, Object.fromEntries(sizes.map((n, i) => [`t${i}`, [n]])), options, { threads: false });
  many.nonFinite = 'ignore';
  fillRandom(many.slotView(0, 'param'), 1);
  fillRandom(many.slotView(0, 'grad'), 2);
  const one = new Optimizer(adamSpec, { w: [total] }, options, { threads: false });
  one.nonFinite = 'ignore';
  fillRandom(one.param('w'), 1);
  fillRandom(one.grad('w'), 2);

  // Per-tensor calls: the same kernel, once per tensor (coefficients computed once per step).
  const layout = many.layout.groups[0];
  const kernels = (many as unknown as { arena: { kernels: { adam_step: (...a: number[]) => void } } }).arena.kernels;
  const p = layout.slotByteOffset;
  let step = 0;
  const perTensor = (): void => {
    step++;
    const bc1 = 1 - 0.9 ** step;
    const bc2 = Math.sqrt(1 - 0.999 ** step);
    for (const tensor of layout.tensors) {
      const o = tensor.offset * 4;
      kernels.adam_step(p.param + o, p.grad + o, p.exp_avg + o, p.exp_avg_sq + o, 0, tensor.size, (1e-3 * bc2) / bc1, 0.1, 0.999, 0.001, 1e-8 * bc2, 0, 1, 1, 0);
    }
  };
  // Interleaved trials, so drifting load hits every variant alike.
  const r = await interleave(
    { many: syncContender(() => void many.step()), one: syncContender(() => void one.step()), perTensor: syncContender(perTensor) },
    Math.max(t.trials, 11),
    t.targetMs,
    undefined,
    betweenRounds,
  );
  return {
    tensors: sizes.length,
    elements: total,
    paddedElements: layout.slotLength,
    many: r.many,
    one: r.one,
    perTensorCalls: r.perTensor,
    tfjsWasmMany: await timeTfjsMany(sizes, 'wasm', t),
    tfjsWasmOne: await timeTfjsMany([total], 'wasm', t),
  };
}
