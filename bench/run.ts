// `npm run bench`: step throughput of every rule at several sizes, edgeoptim's wasm SIMD path vs a
// plain-JS loop of the same math measured in the same run. Prints a table and writes JSON.
//   --sizes=4096,65536   --rules=adam,sgd   --big (adds 64M)   --trials=5   --out=bench/results/latest
import { writeFileSync, mkdirSync } from 'node:fs';
import { init, RULES } from '../src/index';
import { machineInfo } from './machine';
import { measureRule, type ThroughputRow } from './rule-throughput';

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const K = 1024;
const M = K * K;
const sizes = arg('sizes')?.split(',').map(Number) ?? [4 * K, 64 * K, M, 16 * M, ...(process.argv.includes('--big') ? [64 * M] : [])];
const rules = arg('rules')?.split(',') ?? ['adam', 'sgd', ...Object.keys(RULES).filter((r) => r !== 'adam' && r !== 'sgd')];
const trials = Number(arg('trials') ?? 5);
const out = arg('out') ?? 'bench/results/latest';

const fmtN = (n: number): string => (n >= M ? `${n / M}M` : `${n / K}K`);
const g = (x: number): string => (x / 1e9).toFixed(3);

await init();
const machine = machineInfo();
console.log(`edgeoptim step throughput — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
console.log('| rule | N | edgeoptim wasm (G elem/s) | plain JS (G elem/s) | edgeoptim / JS | state bytes/param |');
console.log('|---|---|---|---|---|---|');
const rows: (ThroughputRow & { ratio: number })[] = [];
for (const rule of rules) {
  const spec = RULES[rule];
  if (!spec) throw new Error(`unknown rule '${rule}'; rules: ${Object.keys(RULES).join(', ')}`);
  for (const n of sizes) {
    const row = measureRule(spec, n, trials);
    const ratio = row.wasmElemsPerSec / row.jsElemsPerSec;
    rows.push({ ...row, ratio });
    console.log(`| ${rule} | ${fmtN(n)} | ${g(row.wasmElemsPerSec)} | ${g(row.jsElemsPerSec)} | ${ratio.toFixed(1)}× | ${row.stateBytesPerParam} |`);
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(`${out}.json`, JSON.stringify({ machine, trials, rows }, null, 2) + '\n');
console.log(`\nwrote ${out}.json`);
