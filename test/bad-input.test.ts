// The bad-input table, in the style of torch's OptimizerInfo error inputs: for every registered
// rule, each invalid option fails at construction with a typed error naming the problem, and
// the same value set between steps makes the next step throw without changing anything.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, Optimizer, RULES } from '../src/index';
import { randomArray, rng } from './helpers';

beforeAll(() => init());

/** Options some rules need because their defaults alone are not a usable configuration. */
const BASE: Record<string, Record<string, unknown>> = { qhm: { lr: 1, momentum: 0.9, nu: 0.7 } };

interface BadCase {
  readonly label: string;
  readonly options: Record<string, unknown>;
  readonly message: RegExp;
}

function badCases(defaults: Record<string, unknown>): BadCase[] {
  const has = (k: string) => k in defaults;
  const cases: BadCase[] = [
    { label: 'negative lr', options: { lr: -1 }, message: /^Invalid learning rate: -1/ },
    { label: 'NaN lr', options: { lr: NaN }, message: /Invalid learning rate: NaN|QHM needs an explicit lr/ },
    { label: 'string lr', options: { lr: '0.1' }, message: /Invalid learning rate: 0\.1 \(expected a number\)/ },
    { label: 'snake_case weight_decay', options: { weight_decay: 0.1 }, message: has('weightDecay') ? /Unknown option 'weight_decay' for .*; did you mean 'weightDecay'\?/ : /Unknown option 'weight_decay'/ },
    { label: 'a typo', options: { lrr: 0.1 }, message: /Unknown option 'lrr'/ },
  ];
  if (has('betas')) {
    cases.push(
      { label: 'beta1 = 1', options: { betas: [1, 0.999] }, message: /Invalid beta parameter at index 0: 1\.0/ },
      { label: 'beta2 < 0', options: { betas: [0.9, -0.1] }, message: /Invalid beta parameter at index 1: -0\.1/ },
      { label: 'betas not a pair', options: { betas: [0.9] }, message: /Invalid betas/ },
    );
  }
  if (has('eps')) cases.push({ label: 'negative eps', options: { eps: -1e-8 }, message: /Invalid eps(ilon)? value: -1e-8/ });
  if (has('weightDecay')) cases.push({ label: 'negative weight decay', options: { weightDecay: -0.1 }, message: /Invalid weight_decay value: -0\.1/ });
  if (has('momentum')) cases.push({ label: 'negative momentum', options: { momentum: -0.5 }, message: /Invalid momentum value: -0\.5/ });
  for (const [k, v] of Object.entries(defaults)) {
    if (typeof v === 'boolean') cases.push({ label: `non-boolean ${k}`, options: { [k]: 1 }, message: new RegExp(`Invalid ${k}: 1 \\(expected true or false\\)`) });
  }
  return cases;
}

const everything = (opt: Optimizer<object>) =>
  opt.layout.groups.flatMap((g, gi) => g.slots.map((s) => opt.slotView(gi, s).slice()));

describe.each(Object.keys(RULES))('%s', (rule) => {
  const spec = RULES[rule];
  const base = BASE[rule] ?? {};
  const cases = badCases(spec.defaults as Record<string, unknown>);

  test.each(cases)('construction with $label throws InvalidOptionError', ({ options, message }) => {
    const make = () => new Optimizer(spec, { w: [5] }, { ...base, ...options });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(message);
  });

  test.each(cases)('$label set between steps: the step throws and nothing changes', ({ options, message }) => {
    const opt = new Optimizer(spec, [{ params: { w: [5], b: [3] } }, { params: { c: [17] } }], base);
    const rand = rng(11);
    for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand, 0.1));
    opt.step();
    const before = everything(opt);
    Object.assign(opt.paramGroups[1], options);
    expect(() => opt.step()).toThrow(message);
    expect(everything(opt)).toEqual(before);
    expect(opt.stepCount(0)).toBe(1);
    expect(opt.stepCount(1)).toBe(1);
  });
});
