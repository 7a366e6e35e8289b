// `npm run bench:lowp`: step throughput with float32, bfloat16 and int8 optimizer state, measured
// in the same run with interleaved trials (each round times every precision once, so a load change
// on this shared machine hits all of them), plus bytes of state per parameter from the arena layout.
//   --sizes=65536,1048576   --rules=adam,sgd   --trials=7   --out=bench/results/lowp
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { init, RULES, Optimizer } from '../src/index';
import { stateByteLength } from '../src/layout';
import { machineInfo } from './machine';

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const K = 1024;
const M = K * K;
const sizes = arg('sizes')?.split(',').map(Number) ?? [64 * K, M, 16 * M, 64 * M];
const rules = arg('rules')?.split(',') ?? ['adam'];
const trials = Number(arg('trials') ?? 7);
const out = arg('out') ?? 'bench/results/lowp';
const targetMs = Number(arg('target-ms') ?? 150);

/** Options where a rule's defaults would skip its state (SGD without momentum). */
const RULE_OPTIONS: Record<string, Record<string, unknown>> = {
  sgd: { lr: 1e-3, momentum: 0.9 },
  rmsprop: { lr: 1e-3 },
};

const VARIANTS = [
  { label: 'float32', options: { statePrecision: 'float32' } },
  { label: 'bfloat16', options: { statePrecision: 'bfloat16' } },
  { label: 'bf16 stochastic', options: { statePrecision: 'bfloat16', stateRounding: 'stochastic' } },
  { label: 'int8', options: { statePrecision: 'int8' } },
  { label: 'int8 stochastic', options: { statePrecision: 'int8', stateRounding: 'stochastic' } },
] as const;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function fillRandom(a: Float32Array, seed: number, scale: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * scale;
  }
}

const fmtN = (n: number): string => (n >= M ? `${n / M}M` : `${n / K}K`);
const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

await init();
const machine = machineInfo();
const loadBefore = load();
console.log(`edgeoptim low-precision state — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load average ${loadBefore}`);
console.log('| rule | N | state | G elem/s | vs float32 (median of per-round ratios) | state bytes/param |');
console.log('|---|---|---|---|---|---|');

interface Row {
  rule: string; n: number; variant: string; elemsPerSec: number; speedup: number; stateBytesPerParam: number; trials: number[];
}
const rows: Row[] = [];
for (const rule of rules) {
  const spec = RULES[rule];
  if (!spec) throw new Error(`unknown rule '${rule}'`);
  for (const n of sizes) {
    const opts = VARIANTS.filter((v) => v.options.statePrecision === 'float32' || spec.precisions?.[v.options.statePrecision]).map((v) => {
      const opt = new Optimizer(spec, { w: [n] }, { ...(RULE_OPTIONS[rule] ?? {}), ...v.options });
      fillRandom(opt.param('w'), 1, 0.02);
      fillRandom(opt.grad('w'), 2, 0.02);
      for (let i = 0; i < 3; i++) opt.step(); // warm-up: compile, touch every page
      return { v, opt };
    });
    const t0 = performance.now();
    opts[0].opt.step();
    const reps = Math.max(1, Math.round(targetMs / Math.max(performance.now() - t0, 1e-3)));
    const perStep: number[][] = opts.map(() => []);
    for (let t = 0; t < trials; t++) {
      opts.forEach(({ opt }, k) => {
        const start = performance.now();
        for (let r = 0; r < reps; r++) opt.step();
        perStep[k].push((performance.now() - start) / 1000 / reps);
      });
    }
    opts.forEach(({ v, opt }, k) => {
      const seconds = median(perStep[k]);
      const speedup = median(perStep[0].map((f32, t) => f32 / perStep[k][t]));
      const stateBytesPerParam = stateByteLength(opt.layout) / n;
      rows.push({ rule, n, variant: v.label, elemsPerSec: n / seconds, speedup, stateBytesPerParam, trials: perStep[k] });
      console.log(
        `| ${rule} | ${fmtN(n)} | ${v.label} | ${(n / seconds / 1e9).toFixed(3)} | ${speedup.toFixed(2)}× | ${stateBytesPerParam.toFixed(3)} |`,
      );
    });
  }
}
const loadAfter = load();
console.log(`\nload average before ${loadBefore}, after ${loadAfter}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${out}.json`, JSON.stringify({ machine, trials, loadBefore, loadAfter, rows }, null, 2) + '\n');
console.log(`wrote ${out}.json`);
