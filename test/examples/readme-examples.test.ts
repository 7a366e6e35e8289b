// The README's examples are runnable files; running them here keeps the README true.
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';

const run = (file: string): string =>
  execFileSync(process.execPath, ['scripts/run-ts.mjs', file], { encoding: 'utf8', timeout: 60_000 });

test('quick start runs and saves state for every tensor', () => {
  const out = run('examples/quickstart.ts');
  expect(out).toMatch(/saved state for fc\.weight, head\.weight, fc\.bias at step 100/);
});

test('training loop: schedule + clipping + accumulation + checkpoint; the resumed run reproduces the uninterrupted one', () => {
  const out = run('examples/training-loop.ts');
  expect(out).toMatch(/resumed run reproduces the uninterrupted one exactly/);
  const [, w, b] = /w = (-?[\d.]+), b = (-?[\d.]+)/.exec(out)!;
  expect(Math.abs(Number(w) - 3)).toBeLessThan(0.1);
  expect(Math.abs(Number(b) + 1)).toBeLessThan(0.1);
});
