// The playground's "personalize a classifier" panel without its DOM (examples/playground/
// personalize-core.ts), on the CPU path in Node: ORT's wasm EP + the wasm arena.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { availablePaths, generatePoints, grid, Personalizer, rulesFor } from '../../examples/playground/personalize-core';
import type { OrtLike } from '../../src/ort/index';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

describe('personalize a classifier (panel core)', () => {
  it('trains a 2-16-3 head on generated points with each of adamw, qhadam and sgd', async () => {
    const points = generatePoints(3, 12, 7);
    expect(points.length).toBe(36);
    for (const [rule, options] of [['adamw', { lr: 0.03 }], ['qhadam', { lr: 0.03 }], ['sgd', { lr: 0.3, momentum: 0.9 }]] as const) {
      const run = await Personalizer.create(ort as unknown as OrtLike, points, { classes: 3, hidden: 16, rule, options, path: 'cpu' });
      const first = await run.train(1);
      const report = await run.train(150);
      expect(run.stepCount).toBe(151);
      expect(report.loss).toBeLessThan(first.loss * 0.5);
      expect(report.accuracy).toBeGreaterThan(0.9);
      const probs = await run.predict(grid(8));
      expect(probs.length).toBe(64 * 3);
      for (let i = 0; i < 64; i++) expect(probs[3 * i] + probs[3 * i + 1] + probs[3 * i + 2]).toBeCloseTo(1, 5);
      await run.dispose();
    }
  });

  it('without WebGPU (Node) the GPU path is reported unavailable, and only rules with a graph are offered for it', async () => {
    const paths = await availablePaths();
    expect(paths.gpu).toBe(false);
    expect(paths.why).toMatch(/navigator\.gpu/);
    expect(rulesFor('gpu')).toContain('adamw');
    expect(rulesFor('gpu').every((r) => rulesFor('cpu').includes(r))).toBe(true);
    await expect(Personalizer.create(ort as unknown as OrtLike, generatePoints(2, 3), { classes: 2, hidden: 4, rule: 'adam', options: {}, path: 'gpu' }))
      .rejects.toThrow(/GPU path is unavailable/);
    await expect(Personalizer.create(ort as unknown as OrtLike, [], { classes: 2, hidden: 4, rule: 'adam', options: {}, path: 'cpu' })).rejects.toThrow(/Add some points/);
  });
});
