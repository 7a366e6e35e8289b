// Long-run soak: 1e6 steps of a small model and 1e4 steps of a large one, reporting memory at
// the start and end of each. Not a unit test; run with `node scripts/run-ts.mjs bench/soak.ts`
// (`--quick` divides the step counts by 100).
import { init, Adam, AdamW, type Optimizer } from '../src/index';

const quick = process.argv.includes('--quick');
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

function memory(): { rss: number; heap: number; external: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

function soak(label: string, opt: Optimizer<object>, steps: number): Record<string, string | number> {
  const names = opt.tensorNames;
  let seed = 1;
  const refill = () => {
    for (const n of names) {
      const g = opt.grad(n);
      for (let i = 0; i < g.length; i += 97) g[i] = ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 1e-2;
    }
  };
  refill();
  opt.step();
  (globalThis as { gc?: () => void }).gc?.();
  const start = memory();
  const t0 = performance.now();
  for (let s = 1; s < steps; s++) {
    if (s % 1000 === 0) refill();
    opt.step();
  }
  const seconds = (performance.now() - t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const end = memory();
  const row = {
    run: label, steps, seconds: Number(seconds.toFixed(1)),
    rssStart: mib(start.rss), rssEnd: mib(end.rss),
    heapStart: mib(start.heap), heapEnd: mib(end.heap),
    externalStart: mib(start.external), externalEnd: mib(end.external),
    finite: opt.tensorNames.every((n) => opt.param(n).every(Number.isFinite)) ? 'yes' : 'NO',
  };
  console.log(JSON.stringify(row));
  return row;
}

await init();
const small = new Adam(
  Object.fromEntries([...Array(20).keys()].map((i) => [`t${i}`, [16 + 50 * i]])),
  { lr: 1e-3 },
);
const large = new AdamW({ w: [4096, 4096] }, { lr: 1e-4 });
soak('small: Adam, 20 tensors, 9,820 params', small, quick ? 1e4 : 1e6);
soak('large: AdamW, 16.8M params', large, quick ? 100 : 1e4);
