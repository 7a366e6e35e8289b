// Every schedule against torch 1.13's values (test/fixtures/torch/schedules.json, written by
// test/fixtures/gen_torch_reference.py): lr (and cycled momentum) after each of 60 steps.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { Adam, SGD, init } from '../../src/index';
import * as S from '../../src/schedules/index';
import type { Scheduler, SchedulableOptimizer } from '../../src/schedules/index';

const FIXTURE = new URL('../fixtures/torch/schedules.json', import.meta.url);

interface SubSpec {
  scheduler: string;
  options: Record<string, unknown>;
}
interface Case {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: { rule: 'sgd' | 'adam'; options: Record<string, number> };
  lrLambda?: { python: string; js: string };
  initialLr: number;
  initialMomentum?: number;
  momentumKey?: 'momentum' | 'betas[0]';
  metrics?: number[];
  lr: number[];
  momentum?: number[];
}

// Relative tolerance: torch's Python floats and our doubles follow the same formulas in the same
// order; only libm's cos/pow may differ in the last bit.
const RTOL = 1e-13;

function expectClose(actual: number, expected: number, label: string): void {
  const err = Math.abs(actual - expected);
  if (!(err <= RTOL * Math.abs(expected) + 1e-300)) {
    throw new Error(`${label}: ${actual} vs torch ${expected} (rel err ${(err / Math.abs(expected)).toExponential(2)})`);
  }
}

const LAMBDAS: Record<string, S.LrLambda> = {
  '(epoch) => 0.95 ** epoch': (epoch) => 0.95 ** epoch,
  '(epoch) => Math.min(1, (epoch + 1) / 10)': (epoch) => Math.min(1, (epoch + 1) / 10),
};

function build(kind: string, options: Record<string, unknown>, opt: SchedulableOptimizer, c: Case): Scheduler {
  switch (kind) {
    case 'SequentialLR':
      return new S.SequentialLR(opt, {
        schedulers: (options.schedulers as SubSpec[]).map((s) => build(s.scheduler, s.options, opt, c) as S.LRScheduler),
        milestones: options.milestones as number[],
      });
    case 'ChainedScheduler':
      return new S.ChainedScheduler((options.schedulers as SubSpec[]).map((s) => build(s.scheduler, s.options, opt, c)));
    case 'LambdaLR': {
      const fn = LAMBDAS[c.lrLambda!.js];
      if (!fn) throw new Error(`no JS lambda for ${c.lrLambda!.js}`);
      return new S.LambdaLR(opt, { lrLambda: fn });
    }
    default: {
      const Ctor = (S as unknown as Record<string, new (o: SchedulableOptimizer, x: object) => Scheduler>)[kind];
      if (!Ctor) throw new Error(`unknown scheduler ${kind}`);
      return new Ctor(opt, options);
    }
  }
}

const fixture: { torch: string; cases: Case[] } | undefined = existsSync(FIXTURE) ? JSON.parse(readFileSync(FIXTURE, 'utf8')) : undefined;

beforeAll(() => init());

describe.skipIf(!fixture)('schedules vs torch (fixture test/fixtures/torch/schedules.json)', () => {
  test('the fixture covers every required schedule', () => {
    const kinds = new Set<string>();
    const visit = (k: string, o: Record<string, unknown>): void => {
      kinds.add(k);
      for (const s of (o.schedulers as SubSpec[] | undefined) ?? []) visit(s.scheduler, s.options);
    };
    for (const c of fixture!.cases) visit(c.scheduler, c.options);
    for (const k of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'LinearLR',
      'OneCycleLR', 'CyclicLR', 'ReduceLROnPlateau', 'LambdaLR', 'SequentialLR', 'ChainedScheduler']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  test.each((fixture?.cases ?? []).map((c) => [c.name, c] as const))('%s', (_, c) => {
    const params = { w: [1] };
    const opt = c.optimizer.rule === 'adam' ? new Adam(params, c.optimizer.options) : new SGD(params, c.optimizer.options);
    const sched = build(c.scheduler, c.options, opt, c);
    const momentum = (): number => (c.momentumKey === 'betas[0]' ? (opt.paramGroups[0] as { betas: number[] }).betas[0] : (opt.paramGroups[0] as { momentum: number }).momentum);
    expectClose(opt.paramGroups[0].lr, c.initialLr, 'lr after construction');
    if (c.initialMomentum !== undefined) expectClose(momentum(), c.initialMomentum, 'momentum after construction');
    c.lr.forEach((expected, t) => {
      opt.step();
      sched.step(c.metrics?.[t]);
      expectClose(opt.paramGroups[0].lr, expected, `lr after step ${t + 1}`);
      expectClose(sched.getLastLr()[0], expected, `getLastLr() after step ${t + 1}`);
      if (c.momentum) expectClose(momentum(), c.momentum[t], `momentum after step ${t + 1}`);
    });
  });

  test.each((fixture?.cases ?? []).map((c) => [c.name, c] as const))('%s: stateDict mid-run resumes the same values', (_, c) => {
    const make = () => {
      const params = { w: [1] };
      const opt = c.optimizer.rule === 'adam' ? new Adam(params, c.optimizer.options) : new SGD(params, c.optimizer.options);
      return { opt, sched: build(c.scheduler, c.options, opt, c) };
    };
    const a = make();
    const half = 23;
    for (let t = 0; t < half; t++) a.sched.step(c.metrics?.[t]);
    // Through JSON, as a checkpoint stores it (non-finite numbers aside).
    const state = JSON.parse(JSON.stringify(a.sched.stateDict(), (_k, v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v)),
      (_k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
    const groups = JSON.parse(JSON.stringify(a.opt.paramGroups));
    const b = make();
    Object.assign(b.opt.paramGroups[0], groups[0]);
    b.sched.loadStateDict(state);
    for (let t = half; t < c.lr.length; t++) {
      b.sched.step(c.metrics?.[t]);
      expectClose(b.opt.paramGroups[0].lr, c.lr[t], `resumed lr after step ${t + 1}`);
    }
  });
});
