// Early stopping: patience, minDelta, min/max modes, restoring the best parameters, state dicts.
import { beforeAll, describe, expect, test } from 'vitest';
import { init, InvalidOptionError, SGD, StateDictError } from '../../src/index';
import { EarlyStopping } from '../../src/toolkit/early-stopping';

beforeAll(() => init());

const make = () => new SGD([{ params: { a: [3] } }, { params: { b: [5] }, lr: 0.5 }], { lr: 0.1 });
const params = (opt: SGD) => [...opt.param('a'), ...opt.param('b')];

describe('EarlyStopping', () => {
  test('stops after `patience` checks without an improvement larger than minDelta', () => {
    const es = new EarlyStopping(make(), { patience: 2, minDelta: 0.05, restoreBest: false });
    expect([1.0, 0.9, 0.88, 0.87].map((m) => es.step(m))).toEqual([false, false, false, true]);
    expect(es.best).toBe(0.9);
    expect(es.bestEpoch).toBe(1);
    expect(es.step(0.1)).toBe(true); // stays stopped
  });
  test("mode 'max'; NaN never improves; patience 0 stops at the first non-improvement", () => {
    const es = new EarlyStopping(make(), { mode: 'max', patience: 0, restoreBest: false });
    expect(es.step(0.5)).toBe(false);
    expect(es.step(0.6)).toBe(false);
    expect(es.step(NaN)).toBe(true);
    expect(es.best).toBe(0.6);
  });
  test('restores the parameters of the best check when it stops', () => {
    const opt = make();
    const es = new EarlyStopping(opt, { patience: 2 });
    const losses = [3, 2, 1, 1.5, 2.5];
    const atBest: number[][] = [];
    let stoppedAt = -1;
    for (const [epoch, loss] of losses.entries()) {
      opt.param('a').fill(epoch);
      opt.param('b').fill(-epoch);
      if (loss === 1) atBest.push(params(opt));
      if (es.step(loss)) {
        stoppedAt = epoch;
        break;
      }
    }
    expect(stoppedAt).toBe(4);
    expect(params(opt)).toEqual(atBest[0]);
  });
  test('state dict (with its snapshot) round-trips; mismatched snapshots are rejected', () => {
    const opt = make();
    const es = new EarlyStopping(opt, { patience: 3 });
    opt.param('a').fill(7);
    es.step(1);
    es.step(2);
    const state = es.stateDict();
    const opt2 = make();
    const es2 = new EarlyStopping(opt2, { patience: 3 });
    es2.loadStateDict(state);
    expect(es2.wait).toBe(1);
    es2.step(3);
    expect(es2.step(4)).toBe(true);
    expect([...opt2.param('a')]).toEqual([7, 7, 7]);
    const small = new EarlyStopping(new SGD({ a: [3] }), {});
    expect(() => small.loadStateDict(state)).toThrow(StateDictError);
    expect(() => new EarlyStopping(opt, { patience: -1 })).toThrow(InvalidOptionError);
    expect(() => new EarlyStopping(opt, { min_delta: 1 } as never)).toThrow(/Unknown option 'min_delta'/);
  });
});
