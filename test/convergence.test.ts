// Qualitative facts behind bench/CONVERGENCE.md, asserted with wide margins (deterministic runs
// through the wasm kernels; no timing). A failure here means the tables in the report are stale.
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from '../src/index';
import { RULES } from '../src/rules/index';
import {
  CAMEL_LOCAL_MINIMA,
  runContender,
  SADDLE,
  SADDLE_NEAR,
  SPHERE,
  THREE_HUMP_CAMEL,
  VALLEY,
  type Contender,
} from '../bench/convergence-lib';

beforeAll(() => init());

const rule = (name: string, options: Record<string, unknown> = { lr: 0.1 }): Contender => ({ label: name, spec: RULES[name], options });

// The rules whose rows the report discusses (HVAdam apart: see its own test).
const CONVERGING = [
  'sgd', 'asgd', 'momentum', 'nag', 'qhm', 'adagrad', 'rmsprop', 'rprop', 'adam', 'adamw', 'amsgrad',
  'adamax', 'nadam', 'radam', 'qhadam', 'qhadamw', 'adabelief', 'yogi', 'adabound', 'adamomentum',
];

describe('Sphere', () => {
  test('Adam (lr 0.1) is within 1e-6 of the optimum, for good, within 300 steps', () => {
    const r = runContender(rule('adam'), SPHERE, 1000);
    expect(r.settledStep).not.toBeNull();
    expect(r.settledStep).toBeLessThanOrEqual(300);
  });

  test('every listed rule (lr 0.1; Adadelta at its lr 1) ends within 1e-6 after 3000 steps', () => {
    for (const name of [...CONVERGING, 'adadelta']) {
      const r = runContender(rule(name, { lr: name === 'adadelta' ? 1 : 0.1 }), SPHERE, 3000);
      expect(r.diverged, name).toBe(false);
      expect(r.finalF, name).toBeLessThan(1e-6);
    }
  });

  test('HVAdam (Algorithm 2, lr 0.1) stalls: f is still above 1 after 500 steps (f(start) = 16)', () => {
    const r = runContender(rule('hvadam'), SPHERE, 500);
    expect(r.diverged).toBe(false);
    expect(r.finalF).toBeGreaterThan(1);
  });
});

describe('Three-Hump Camel from (2.2, -1.6)', () => {
  test('Adam ends in the local minimum; AdaMomentum (first step 10x lr) reaches the global one', () => {
    const adam = runContender(rule('adam'), THREE_HUMP_CAMEL, 1000);
    const [lx, ly] = CAMEL_LOCAL_MINIMA[0];
    expect(Math.hypot(adam.finalX - lx, adam.finalY - ly)).toBeLessThan(1e-2);
    const am = runContender(rule('adamomentum'), THREE_HUMP_CAMEL, 1000);
    expect(am.hitStep).not.toBeNull();
    expect(am.hitStep).toBeLessThan(500);
  });
});

describe('saddle x² − y² from (-1.8, y0)', () => {
  test('every listed rule escapes (f < -1) within 1000 steps from y0 = 1e-3 and from y0 = 1e-7', () => {
    for (const name of [...CONVERGING, 'adadelta', 'hvadam']) {
      const c = rule(name, { lr: name === 'adadelta' ? 1 : 0.1 });
      expect(runContender(c, SADDLE, 1000).hitStep, name).not.toBeNull();
      expect(runContender(c, SADDLE_NEAR, 1000).hitStep, name).not.toBeNull();
    }
  });

  test("Adam's escape does not depend on y0; SGD's takes ~log(1e4)/log(1.2) = 50 steps longer", () => {
    const adam = [SADDLE, SADDLE_NEAR].map((p) => runContender(rule('adam'), p, 1000).hitStep as number);
    expect(Math.abs(adam[0] - adam[1])).toBeLessThanOrEqual(1);
    const sgd = [SADDLE, SADDLE_NEAR].map((p) => runContender(rule('sgd'), p, 1000).hitStep as number);
    expect(sgd[1] - sgd[0]).toBeGreaterThanOrEqual(40);
    expect(adam[1]).toBeLessThan(sgd[1]);
  });
});

describe("HVAdam's valley 4|x − y| + |x + y|", () => {
  test('at lr 0.003 HVAdam reaches f < 0.1 at least twice as fast as Adam', () => {
    const hv = runContender(rule('hvadam', { lr: 0.003 }), VALLEY, 5000);
    const adam = runContender(rule('adam', { lr: 0.003 }), VALLEY, 5000);
    expect(hv.coarseStep).not.toBeNull();
    expect(adam.coarseStep).not.toBeNull();
    expect(2 * (hv.coarseStep as number)).toBeLessThan(adam.coarseStep as number);
  });
});
