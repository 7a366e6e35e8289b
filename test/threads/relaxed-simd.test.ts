// The relaxed-SIMD build (f32x4.relaxed_madd/nmadd in Adam's and SGD's kernels) against the
// strict build: within the documented tolerance after several steps, and chosen automatically only
// where WebAssembly.validate accepts it. Node 20 needs a V8 flag for relaxed SIMD; it is set here
// (this file runs in its own process), other runtimes have it on.
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, selectKernelBuild, relaxedSimdSupported, kernelBuild, Optimizer, RULES } from '../../src/index';
import { closeness, randomArray, rng } from '../helpers';

/** The documented tolerance (README, "Relaxed SIMD"): |relaxed − strict| ≤ RTOL |strict| + ATOL. */
const RTOL = 1e-5;
const ATOL = 1e-7;

try {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
} catch {
  // not V8, or the flag is gone because the feature is on by default
}

const CASES: [string, Record<string, unknown>][] = [
  ['adam', {}],
  ['adam', { weightDecay: 0.01, amsgrad: true }],
  ['adamw', { weightDecay: 0.1 }],
  ['sgd', { momentum: 0.9 }],
  ['sgd', { momentum: 0.9, nesterov: true, weightDecay: 1e-3 }],
  ['sgd', { weightDecay: 1e-2 }],
];

function run(rule: string, options: Record<string, unknown>): Float32Array[] {
  const n = 4096 + 7;
  const opt = new Optimizer(RULES[rule], { w: [n] }, { lr: 1e-2, ...options });
  const rand = rng(42);
  opt.param('w').set(randomArray(n, rand));
  for (let s = 0; s < 20; s++) {
    opt.grad('w').set(randomArray(n, rand, s % 3 ? 1 : 1e-3));
    opt.step();
  }
  return [opt.param('w').slice(), ...opt.layout.groups[0].slots.filter((x) => x !== 'param' && x !== 'grad').map((x) => opt.state('w', x).slice())];
}

beforeAll(async () => {
  await init();
});

describe('relaxed-SIMD build', () => {
  it('is chosen by default exactly where it validates', () => {
    expect(kernelBuild().relaxedSimd).toBe(relaxedSimdSupported());
  });

  it.skipIf(!relaxedSimdSupported()).each(CASES)('%s %o: within the documented tolerance of the strict build', async (rule, options) => {
    await selectKernelBuild({ relaxedSimd: false });
    const strict = run(rule, options);
    await selectKernelBuild({ relaxedSimd: true });
    const relaxed = run(rule, options);
    await selectKernelBuild({ relaxedSimd: 'auto' });
    strict.forEach((s, i) => expect(closeness(relaxed[i], s, RTOL, ATOL)).toBeLessThanOrEqual(1));
  });

  it.skipIf(!relaxedSimdSupported())('really differs from the strict build somewhere (the FMA is fused)', async () => {
    await selectKernelBuild({ relaxedSimd: false });
    const strict = run('adam', {});
    await selectKernelBuild({ relaxedSimd: true });
    const relaxed = run('adam', {});
    await selectKernelBuild({ relaxedSimd: 'auto' });
    expect(strict[0].some((x, i) => x !== relaxed[0][i])).toBe(true);
  });
});
