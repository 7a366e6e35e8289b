// `npm run bench`: step throughput of every rule at 4K, 64K, 1M and 16M elements (64M with --big),
// for edgeoptim (1 thread; the worker pool; the relaxed-SIMD build) and, in the same run, a
// plain-JS loop of the same math, TF.js (cpu and wasm backends, tf.train.* where it has the rule),
// ONNX Runtime Web's wasm EP running the rule's ONNX graph, and a native-C reference (gcc -O3,
// 128-bit and native width) where gcc exists. Medians of several trials; prints a markdown table,
// writes JSON, and with --readme rewrites the generated part of bench/README.md.
//
//   --quick            3 sizes, 3 short trials, Adam and SGD only (unless --rules)
//   --big              adds 64M elements
//   --full             also times slow peers (TF.js cpu) at 16M+ for rules other than Adam and SGD
//   --rules=adam,sgd   --sizes=4096,65536   --trials=11   --target-ms=30   --threads=2
//   --columns=c128,js  time only these columns besides edgeoptim (diagnosis)
//   --no-relaxed       skip the relaxed-SIMD column (Node 20 needs a V8 flag for it; set here)
//   --out=bench/results/latest   --readme
import v8 from 'node:v8';
import os from 'node:os';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';


const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const arg = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

// Relaxed SIMD is behind a flag in Node 20 (on by default in Deno, Bun and recent browsers). It
// must be set before the first WebAssembly.validate, i.e. before edgeoptim initializes.
// A full garbage collection between trial rounds, so that one column does not pay for the
// incremental marking of garbage the others (TF.js, ORT) left: exposed at run time.
v8.setFlagsFromString('--expose-gc');
const collect = (await import('node:vm')).runInNewContext('gc') as () => void;

const relaxedWanted = !flag('no-relaxed');
if (relaxedWanted) {
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not V8
  }
}

const { init, RULES } = await import('../src/index');
const { relaxedSimdSupported, selectKernelBuild } = await import('../src/wasm/loader');
const { initThreads, closeThreads, whenThreadsReady, DEFAULT_MIN_ELEMENTS, DEFAULT_MIN_ELEMENTS_IDLE } = await import('../src/threads/index');
const { machineInfo } = await import('./machine');
const { edgeoptimContender, plainJsContender, stateSlots } = await import('./rule-throughput');
const { tfjsContender, tfjsInfo, TFJS_RULES } = await import('./peers/tfjs');
const { ortContender, ortInfo } = await import('./peers/ort');
const { nativeContender, nativeInfo, NATIVE_RULES } = await import('./native');
const { interleave } = await import('./contender');
type Contender = import('./contender').Contender;
const { timeSmallTensors } = await import('./small-tensors');
const { timeThreshold } = await import('./threads');
type Timing = import('./timing').Timing;

const K = 1024;
const M = K * K;
const quick = flag('quick');
const sizes = arg('sizes')?.split(',').map(Number) ?? (quick ? [4 * K, 64 * K, M] : [4 * K, 64 * K, M, 16 * M, ...(flag('big') ? [64 * M] : [])]);
const HEADLINE = ['adam', 'sgd'];
const rules = arg('rules')?.split(',') ?? (quick ? HEADLINE : [...HEADLINE, ...Object.keys(RULES).filter((r) => !HEADLINE.includes(r))]);
const timing = { trials: Number(arg('trials') ?? (quick ? 5 : 11)), targetMs: Number(arg('target-ms') ?? (quick ? 20 : 30)) };
const threads = Number(arg('threads') ?? 2);
const out = arg('out') ?? 'bench/results/latest';
const full = flag('full');
/** --columns=edgeoptim,c128: time only these columns (diagnosis); edgeoptim is always timed. */
const onlyColumns = arg('columns')?.split(',').concat('edgeoptim');

const COLUMNS = {
  edgeoptim: 'edgeoptim 1 thread',
  threads: `edgeoptim ${threads} threads`,
  relaxed: 'edgeoptim 1 thread, relaxed SIMD',
  checked: 'edgeoptim 1 thread, default non-finite check',
  c128: 'C 128-bit (SSE2)',
  cNative: 'C native width',
  js: 'plain JS',
  tfjsCpu: 'TF.js cpu',
  tfjsWasm: 'TF.js wasm',
  ortWasm: 'ORT-web wasm',
} as const;
type Column = keyof typeof COLUMNS;
type Cell = { elemsPerSec: number; trials: number[] } | { skipped: string };
interface Row {
  rule: string;
  n: number;
  stateSlots: string[];
  cells: Partial<Record<Column, Cell>>;
}

const cell = (n: number, r: Timing | string): Cell =>
  typeof r === 'string' ? { skipped: r } : { elemsPerSec: n / r.seconds, trials: r.trials.map((s) => n / s) };
const rate = (c: Cell | undefined): number | undefined => (c && 'elemsPerSec' in c ? c.elemsPerSec : undefined);
const fmtN = (n: number): string => (n >= M ? `${n / M}M` : `${n / K}K`);
const g = (x: number): string => (x >= 0.1e9 ? (x / 1e9).toFixed(2) : x >= 0.01e9 ? (x / 1e9).toFixed(3) : (x / 1e9).toFixed(4));

await init();
const load0 = os.loadavg();
const { measureCapacity } = await import('./capacity');
const capacity = await measureCapacity(quick ? 300 : 600);
const autoInfo = await initThreads({ threads: 'auto' }); // what 'auto' decides here (calibration)
closeThreads();
const relaxed = relaxedWanted && relaxedSimdSupported();
const pool = await initThreads({ threads });
if (pool.threads < threads) console.warn(`worker pool unavailable (${pool.reason ?? 'threads < 2'}): the threads column equals 1 thread`);
type MachineBase = { cpu: string; cores: number; memoryGiB: number; node: string; v8: string; platform: string; date: string };
const machine = {
  ...(machineInfo() as MachineBase),
  loadAverageStart: load0.map((x) => +x.toFixed(2)),
  relaxedSimd: relaxed ? 'measured (Node 20: --experimental-wasm-relaxed-simd set by the bench)' : 'not supported here',
  threads: { threads: pool.threads, minElements: DEFAULT_MIN_ELEMENTS, minElementsIdle: DEFAULT_MIN_ELEMENTS_IDLE, spinMs: 1 },
  capacity,
  auto: { threads: autoInfo.threads, reason: autoInfo.reason ?? null, minElements: autoInfo.minElements ?? null, calibration: autoInfo.calibration ?? null },
  tfjs: await tfjsInfo(),
  ort: ortInfo(),
  native: nativeInfo(),
  timing,
};
console.log(`edgeoptim bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${load0.map((x) => x.toFixed(2)).join(' ')}`);

// Where the time of a small step goes (measured first, while step() has seen one rule only): opt.step() on 16 elements (the per-step JS work: option
// check, coefficients in float64, the call) vs the bare kernel call on 4K elements.
const { adamSpec } = await import('../src/rules/adam');
const { Optimizer } = await import('../src/optimizer');
const { timeIt } = await import('./timing');
const overhead = (() => {
  const tiny = new Optimizer(adamSpec, { w: [16] }, {}, { threads: false });
  tiny.nonFinite = 'ignore';
  const small = new Optimizer(adamSpec, { w: [4 * K] }, {}, { threads: false });
  small.nonFinite = 'ignore';
  const k = (small as unknown as { arena: { kernels: { adam_step: (...a: number[]) => void } } }).arena.kernels;
  const p = small.layout.groups[0].slotByteOffset;
  const t = { ...timing, targetMs: Math.max(timing.targetMs, 50) };
  return {
    stepOn16Ns: timeIt(() => tiny.step(), t).seconds * 1e9,
    stepOn4KNs: timeIt(() => small.step(), t).seconds * 1e9,
    kernelOn4KNs: timeIt(() => k.adam_step(p.param, p.grad, p.exp_avg, p.exp_avg_sq, 0, 4 * K, 1e-3, 0.1, 0.999, 0.001, 1e-8, 0, 1, 1, 0), t).seconds * 1e9,
  };
})();

const rows: Row[] = [];
const started = performance.now();
for (const rule of rules) {
  const spec = RULES[rule];
  if (!spec) throw new Error(`unknown rule '${rule}'; rules: ${Object.keys(RULES).join(', ')}`);
  for (const n of sizes) {
    const row: Row = { rule, n, stateSlots: stateSlots(spec), cells: {} };
    const c = row.cells;
    // Every column of the row is created first, then timed in interleaved trials.
    const contenders: Partial<Record<Column, Contender>> = {};
    const put = (k: Column, x: Contender | string): void => {
      if (typeof x === 'string') c[k] = { skipped: x };
      else if (onlyColumns && !onlyColumns.includes(k)) x.dispose?.();
      else contenders[k] = x;
    };
    put('edgeoptim', await edgeoptimContender(spec, n, 'strict'));
    put('threads', pool.threads > 1 ? await edgeoptimContender(spec, n, 'threads', whenThreadsReady) : 'no worker pool');
    put('relaxed', relaxed ? await edgeoptimContender(spec, n, 'relaxed') : 'relaxed SIMD unsupported');
    if (HEADLINE.includes(rule)) put('checked', await edgeoptimContender(spec, n, 'checked'));
    put('js', plainJsContender(spec, n));
    if (NATIVE_RULES.includes(rule)) {
      put('c128', nativeContender(rule, n, '128'));
      put('cNative', nativeContender(rule, n, 'native'));
    }
    const slowOk = full || HEADLINE.includes(rule) || n < 16 * M;
    if (TFJS_RULES.includes(rule)) {
      put('tfjsCpu', slowOk ? await tfjsContender(rule, n, 'cpu') : 'skipped: ~seconds per step (--full)');
      put('tfjsWasm', await tfjsContender(rule, n, 'wasm'));
    }
    put('ortWasm', await ortContender(spec, n));
    // After the pool's trial, let its worker stop spinning (1 ms) before the next column runs.
    const timed = await interleave(contenders as Record<string, Contender>, timing.trials, timing.targetMs, async (name) => {
      if (name === 'threads') await new Promise((r) => setTimeout(r, 3));
    }, collect);
    for (const [k, t] of Object.entries(timed)) c[k as Column] = cell(n, t);
    for (const x of Object.values(contenders)) x?.dispose?.();
    rows.push(row);
    const e = rate(c.edgeoptim)!;
    const parts = (Object.keys(c) as Column[])
      .filter((k) => k !== 'edgeoptim')
      .map((k) => {
        const r = rate(c[k]);
        return r ? `${k} ${g(r)} (${(e / r).toFixed(2)}×)` : `${k} —`;
      });
    console.log(`${rule} ${fmtN(n)}: edgeoptim ${g(e)} G/s | ${parts.join(' | ')}`);
  }
}
closeThreads();

console.log('\nsmall tensors (Adam, 1 thread) ...');
const small = await timeSmallTensors(timing, collect);
console.log('threshold of the worker pool (Adam) ...');
await selectKernelBuild({ relaxedSimd: false });
const threshold = await timeThreshold([4 * K, 16 * K, 32 * K, 64 * K, 256 * K, M], timing, threads);
const capacityEnd = await measureCapacity(quick ? 300 : 600);
const load1 = os.loadavg();
const seconds = (performance.now() - started) / 1000;
// How noisy the run was: per cell, the fastest trial ÷ the slowest; the median over all cells.
const spreads = rows.flatMap((r) => Object.values(r.cells).flatMap((c) => (c && 'trials' in c && c.trials.length >= 3 ? [Math.max(...c.trials) / Math.min(...c.trials)] : [])));
const noise = spreads.length ? [...spreads].sort((a, b) => a - b)[spreads.length >> 1] : NaN;
const result = {
  machine: { ...machine, capacityEnd, loadAverageEnd: load1.map((x) => +x.toFixed(2)), benchSeconds: Math.round(seconds), trialSpreadMedian: noise },
  columns: COLUMNS,
  rows,
  smallTensors: small,
  threshold,
  overhead,
};

// ---- report ----
const colOrder: Column[] = ['edgeoptim', 'threads', 'relaxed', 'c128', 'cNative', 'js', 'tfjsCpu', 'tfjsWasm', 'ortWasm'];
function fmtCell(row: Row, k: Column): string {
  const e = rate(row.cells.edgeoptim)!;
  const c = row.cells[k];
  if (!c) return '—';
  if ('skipped' in c) return c.skipped.startsWith('skipped') ? 'skipped' : '—';
  if (k === 'edgeoptim') return `**${g(c.elemsPerSec)}**`;
  if (k === 'threads' || k === 'relaxed') return `${g(c.elemsPerSec)} (${(c.elemsPerSec / e).toFixed(2)}×)`;
  return `${g(c.elemsPerSec)} (${(e / c.elemsPerSec).toFixed(e / c.elemsPerSec >= 10 ? 0 : 2)}×)`;
}
const lines: string[] = [];
lines.push(
  `Measured ${machine.date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node} (V8 ${machine.v8}); ` +
    `load average ${load0.map((x) => x.toFixed(1)).join('/')} at the start, ${load1.map((x) => x.toFixed(1)).join('/')} at the end; ${Math.round(seconds)} s. ` +
    `Median of ${timing.trials} interleaved trials (≥ ${timing.targetMs} ms each; steps slower than 250 ms: 3 trials of one step). ` +
    `Noise: in the median cell the fastest trial was ${noise.toFixed(2)}× the slowest.`,
  '',
  `Parallel capacity of this machine: 2 independent threads (no shared data) do ${capacity.adam.toFixed(2)}× the work of one running Adam's kernel, ${capacity.scalar.toFixed(2)}× running a scalar JS loop at the start ` +
    `(${capacityEnd.adam.toFixed(2)}× and ${capacityEnd.scalar.toFixed(2)}× at the end). ` +
    `\`initThreads({ threads: 'auto' })\` here: ${autoInfo.threads} thread(s)${autoInfo.reason ? ` (${autoInfo.reason})` : `, minElements ${autoInfo.minElements}`}; the threads column below uses an explicit \`threads: ${threads}\`.`,
  '',
  'G elements/s. edgeoptim 1 thread in bold; in brackets: for the threads and relaxed columns the speed-up over edgeoptim 1 thread, ' +
    'for every other column edgeoptim 1 thread ÷ that column (so 300× means edgeoptim is 300 times faster). ' +
    `"${threads} threads" = the calling thread + ${threads - 1} worker(s) with the default policy: calls under ${DEFAULT_MIN_ELEMENTS / K}K elements stay on one thread, and the pool backs off to one thread while the worker runs under half its share of chunks. — = the peer has no such rule.`,
  '',
  `| rule | N | ${colOrder.map((k) => COLUMNS[k]).join(' | ')} |`,
  `|---|---|${colOrder.map(() => '---').join('|')}|`,
);
for (const row of rows) lines.push(`| ${row.rule} | ${fmtN(row.n)} | ${colOrder.map((k) => fmtCell(row, k)).join(' | ')} |`);
const checkedRows = rows.filter((r) => r.cells.checked);
if (checkedRows.length) {
  lines.push('', 'The default step also checks the gradients for NaN/Inf first (`nonFinite: \'error\'`, one extra read pass); the table above sets `nonFinite = \'ignore\'`, the same math as every peer:', '');
  lines.push('| rule | N | 1 thread, ignore | 1 thread, default check | cost of the check |', '|---|---|---|---|---|');
  for (const r of checkedRows) {
    const a = rate(r.cells.edgeoptim)!;
    const b = rate(r.cells.checked)!;
    lines.push(`| ${r.rule} | ${fmtN(r.n)} | ${g(a)} | ${g(b)} | ${(((a - b) / a) * 100).toFixed(0)}% |`);
  }
}
lines.push(
  '',
  `Per-step cost outside the kernel (Adam, 1 thread): \`opt.step()\` on 16 elements ${overhead.stepOn16Ns.toFixed(0)} ns; ` +
    `on 4K elements ${overhead.stepOn4KNs.toFixed(0)} ns, of which the bare kernel call ${overhead.kernelOn4KNs.toFixed(0)} ns.`,
);
const st = small;
const us = (t: Timing | string): string => (typeof t === 'string' ? t : `${(t.seconds * 1e6).toFixed(1)} µs`);
lines.push(
  '',
  `Small tensors (Adam, 1 thread): ${st.tensors} tensors of 16–1024 elements (${st.elements} elements, ${st.paddedElements} with the 64-byte alignment padding) vs one tensor of ${st.elements}:`,
  '',
  '| | 300 tensors | 1 tensor | ratio |',
  '|---|---|---|---|',
  `| edgeoptim (one kernel call per group) | ${us(st.many)} | ${us(st.one)} | ${(st.many.seconds / st.one.seconds).toFixed(3)} |`,
  `| edgeoptim kernel, one call per tensor | ${us(st.perTensorCalls)} | ${us(st.one)} | ${(st.perTensorCalls.seconds / st.one.seconds).toFixed(3)} |`,
  `| TF.js wasm, tf.train.adam | ${us(st.tfjsWasmMany)} | ${us(st.tfjsWasmOne)} | ${typeof st.tfjsWasmMany === 'string' || typeof st.tfjsWasmOne === 'string' ? '—' : (st.tfjsWasmMany.seconds / st.tfjsWasmOne.seconds).toFixed(1)} |`,
);
if (threshold.length) {
  lines.push(
    '',
    `Where the worker pool pays (Adam, every call split, no back-off; µs per step): busy = steps back to back (the worker is spinning); idle = 5 ms between steps, longer than the workers' 1 ms spin, so each step must wake a sleeping worker (a training loop).`,
    '',
    '| N | 1 thread | pool, busy | speed-up | 1 thread after idle | pool after idle | speed-up |',
    '|---|---|---|---|---|---|---|',
  );
  for (const r of threshold) {
    lines.push(
      `| ${fmtN(r.n)} | ${(r.one * 1e6).toFixed(1)} | ${(r.busy * 1e6).toFixed(1)} | ${(r.one / r.busy).toFixed(2)}× | ${(r.oneIdle * 1e6).toFixed(1)} | ${(r.idle * 1e6).toFixed(1)} | ${(r.oneIdle / r.idle).toFixed(2)}× |`,
    );
  }
}
const report = lines.join('\n');
console.log(`\n${report}\n`);

mkdirSync('bench/results', { recursive: true });
writeFileSync(`${out}.json`, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${out}.json`);
if (flag('readme')) {
  const readme = readFileSync('bench/README.md', 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('bench/README.md lacks the <!-- bench:start --> / <!-- bench:end --> markers');
  writeFileSync('bench/README.md', `${readme.slice(0, i + start.length)}\n${report}\n${readme.slice(j)}`);
  console.log('updated bench/README.md');
}

