// Property tests over every registered rule: for random tensor sizes, packings and
// hyperparameters near the defaults, the SIMD kernel equals the float64 reference, and the
// state dict round-trips exactly.
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { init, Optimizer, RULES } from '../src/index';
import type { AnyRuleSpec } from '../src/rules/spec';
import { checkKernelAgainstReference } from './helpers';

beforeAll(() => init());

/** Options some rules need because their defaults alone are not a usable configuration. */
const BASE_OPTIONS: Record<string, Record<string, unknown>> = {
  qhm: { lr: 1, momentum: 0.999, nu: 0.7 },
};

/**
 * Options near the rule's working configuration: numbers scaled by up to ±40%, flags flipped,
 * coefficients in (0, 1) kept there. Falls back to the default flags when a flipped combination
 * is invalid (e.g. nesterov without momentum).
 */
function perturbedOptions(spec: AnyRuleSpec, rand: () => number): Record<string, unknown> | undefined {
  const base: Record<string, unknown> = { ...spec.defaults, ...(BASE_OPTIONS[spec.name] ?? {}) };
  const out: Record<string, unknown> = {};
  const flags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (typeof value === 'number') out[key] = value === 0 ? (rand() < 0.5 ? 0 : 0.01 * rand()) : value * (0.6 + 0.8 * rand());
    else if (typeof value === 'boolean') {
      out[key] = rand() < 0.5;
      flags[key] = value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      out[key] = value.map((v: number) => (v > 0 && v < 1 ? 1 - (1 - v) * (0.6 + 0.8 * rand()) : v * (0.8 + 0.4 * rand())));
    } else out[key] = value;
  }
  for (const candidate of [out, { ...out, ...flags }]) {
    try {
      spec.validate({ ...spec.defaults, ...candidate });
      return candidate;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

const ruleNames = Object.keys(RULES);
const seeded = (seed: number) => {
  let s = seed >>> 0 || 1;
  return () => ((s = Math.imul(s ^ (s >>> 13), 0x5bd1e995) >>> 0) % 1_000_000) / 1_000_000;
};

describe.each(ruleNames)('%s: properties', (rule) => {
  const spec = RULES[rule];

  test('kernel equals the float64 reference for random sizes, packings and hyperparameters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (sizes, packed, seed) => {
          const options = perturbedOptions(spec, seeded(seed));
          fc.pre(options !== undefined);
          checkKernelAgainstReference(spec, {
            groups: [sizes], options, seed, steps: 3, rtol: 2e-5, atol: 2e-6,
            config: packed ? { alignElements: 1 } : undefined,
          });
        },
      ),
      { numRuns: 25, seed: 20261122 },
    );
  });

  test('state dict round-trips exactly after random steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 2 ** 30 }), (steps, seed) => {
        const options = BASE_OPTIONS[rule] ?? {};
        const a = checkKernelAgainstReference(spec, { groups: [[5, 17], [3]], options, steps, seed, rtol: 2e-5, atol: 2e-6 });
        const b = new Optimizer(spec, [{ params: { g0t0: [5], g0t1: [17] } }, { params: { g1t0: [3] } }], options);
        b.loadStateDict(a.stateDict());
        expect(b.stateDict()).toEqual(a.stateDict());
      }),
      { numRuns: 10, seed: 20261122 },
    );
  });
});
