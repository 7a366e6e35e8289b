// `npm run demo`: fine-tunes a small MLP with several edgeoptim rules, prints a results table, and
// writes plots a person would rather look at than read: loss and accuracy curves per rule, and
// optimizer trajectories on contour plots of toy functions, like the papers' figures.
//
// The model is pretrained once (Adam) on a loose 3-arm spiral; every rule then fine-tunes a copy of
// it (pretrained hidden layers, a new output layer) on a tighter spiral with the same batches.
// Environment: DEMO_EPOCHS (default 40), DEMO_OUT (default demo-output/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { init, Optimizer, RULES } from '../src/index';
import { mlpLossAndGrad, mlpTensors } from './mlp';
import { contourPlot, lineChart, PALETTE, type PathSeries, type Series } from './plots';
import { rasterize } from './rasterize';
import { mulberry32, spirals, split, type Dataset } from './spirals';
import { runTrajectory, TOY_FUNCTIONS, toyOptions, toyParams, type ToyFunction } from './toy-functions';

/** Rules compared, with learning rates from a coarse sweep on this task. */
const CANDIDATES: { label: string; rule: string; options: Record<string, unknown> }[] = [
  { label: 'SGD (momentum 0.9)', rule: 'sgd', options: { lr: 0.05, momentum: 0.9 } },
  { label: 'Adam', rule: 'adam', options: { lr: 3e-3 } },
  { label: 'AdamW', rule: 'adamw', options: { lr: 3e-3, weightDecay: 1e-2 } },
  { label: 'QHAdam', rule: 'qhadam', options: { lr: 3e-3, nus: [0.7, 1], betas: [0.995, 0.999] } },
  { label: 'AdaMomentum', rule: 'adamomentum', options: { lr: 3e-3 } },
  { label: 'HVAdam', rule: 'hvadam', options: { lr: 3e-3 } },
];

const SIZES = [2, 64, 64, 3];
const PRETRAIN_EPOCHS = 15;
const EPOCHS = Number(process.env.DEMO_EPOCHS ?? 40);
const BATCH = 32;
const OUT = resolve(process.env.DEMO_OUT ?? 'demo-output');

type Tensors = ReturnType<typeof mlpTensors>;

function progress(label: string, epoch: number, epochs: number, loss: number): void {
  const width = 30;
  const done = Math.round((width * epoch) / epochs);
  const line = `  ${label.padEnd(20)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${String(epoch).padStart(3)}/${epochs}  loss ${loss.toFixed(4)}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else if (epoch === epochs || epoch % 10 === 0) console.log(line);
}

function accuracy(opt: Optimizer<object>, data: Dataset): number {
  return mlpLossAndGrad(opt, SIZES, data, [...Array(data.count).keys()], false).correct / data.count;
}

/** Trains `opt` for `epochs` epochs with shuffled mini-batches; per-epoch train loss and held-out accuracy. */
function train(opt: Optimizer<object>, data: Dataset, test: Dataset, epochs: number, label: string, seed: number): { losses: number[]; accs: number[]; steps: number } {
  const shuffle = mulberry32(seed);
  const order = [...Array(data.count).keys()];
  const losses: number[] = [];
  const accs: number[] = [];
  let steps = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let sum = 0;
    for (let start = 0; start < order.length; start += BATCH) {
      opt.zeroGrad();
      const batch = order.slice(start, start + BATCH);
      sum += mlpLossAndGrad(opt, SIZES, data, batch, true).loss * batch.length;
      opt.step();
      steps++;
    }
    losses.push(sum / data.count);
    accs.push(accuracy(opt, test));
    progress(label, epoch, epochs, losses[losses.length - 1]);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  return { losses, accs, steps };
}

/** A copy of `opt`'s current weights as tensor declarations (the pretrained checkpoint). */
function snapshot(opt: Optimizer<object>, like: Tensors): Tensors {
  const out: Tensors = {};
  for (const [name, t] of Object.entries(like)) {
    const shape = 'shape' in t ? t.shape : [t.length];
    out[name] = { shape, data: opt.param(name).slice() };
  }
  return out;
}

await init();
const rules = CANDIDATES.filter((c) => RULES[c.rule]);
const missing = CANDIDATES.filter((c) => !RULES[c.rule]).map((c) => c.rule);
mkdirSync(OUT, { recursive: true });

// ---- 1. pretrain once, fine-tune with each rule ---------------------------------------------------

const source = split(spirals({ perClass: 300, classes: 3, turns: 0.75, noise: 0.15, seed: 11 }));
const target = split(spirals({ perClass: 300, classes: 3, turns: 1.0, noise: 0.2, seed: 7 }));
console.log(`edgeoptim demo: MLP ${SIZES.join('-')}, pretrained on a loose 3-arm spiral, fine-tuned on a tighter one`);
console.log(`(${target.train.count} training points, ${target.test.count} held out; ${EPOCHS} epochs, batch ${BATCH})\n`);

const init0 = mlpTensors(SIZES, mulberry32(1));
const pre = new Optimizer(RULES.adam, init0, { lr: 1e-2 });
train(pre, source.train, source.test, PRETRAIN_EPOCHS, 'pretraining (Adam)', 3);
console.log(`  pretrained model: ${(100 * accuracy(pre, source.test)).toFixed(1)}% held-out accuracy on its own task`);
// Fine-tuning keeps the pretrained hidden layers and starts a new output layer (the usual recipe).
const pretrained = snapshot(pre, init0);
const head = SIZES.length - 2;
const fresh = mlpTensors(SIZES, mulberry32(5));
pretrained[`W${head}`] = fresh[`W${head}`];
pretrained[`b${head}`] = fresh[`b${head}`];
const before = new Optimizer(RULES.sgd, pretrained);
const startAcc = accuracy(before, target.test);
console.log(`  with a new output layer: ${(100 * startAcc).toFixed(1)}% on the target task before fine-tuning\n`);

const results: { label: string; loss: number; acc: number; seconds: number; steps: number; losses: number[]; accs: number[] }[] = [];
for (const { label, rule, options } of rules) {
  const opt = new Optimizer(RULES[rule], pretrained, options);
  const t0 = performance.now();
  const run = train(opt, target.train, target.test, EPOCHS, label, 2);
  const seconds = (performance.now() - t0) / 1000;
  results.push({ label, loss: run.losses[run.losses.length - 1], acc: accuracy(opt, target.test), seconds, steps: run.steps, losses: run.losses, accs: run.accs });
}

console.log('\n| rule | final train loss | held-out accuracy | wall time (s) | steps/s |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.label} | ${r.loss.toFixed(4)} | ${(100 * r.acc).toFixed(1)}% | ${r.seconds.toFixed(2)} | ${Math.round(r.steps / r.seconds)} |`);
}
console.log('(wall time includes the model\'s forward and backward passes in plain JS; the optimizer step is a small part of it)');
if (missing.length) console.log(`(not in this build yet: ${missing.join(', ')})`);

// ---- 2. plots ------------------------------------------------------------------------------------

const written: string[] = [];
function write(name: string, svg: string): void {
  const path = join(OUT, name);
  writeFileSync(path, svg);
  written.push(path);
}

const color = (i: number): string => PALETTE[i % PALETTE.length];
write('loss-curves.svg', lineChart(
  results.map((r, i): Series => ({ label: r.label, color: color(i), values: r.losses })),
  { title: `Fine-tuning: training loss per epoch (MLP ${SIZES.join('-')}, spiral)`, xLabel: 'epoch', yLabel: 'cross-entropy', logY: true },
));
write('accuracy.svg', lineChart(
  results.map((r, i): Series => ({ label: r.label, color: color(i), values: r.accs.map((a) => 100 * a) })),
  { title: `Fine-tuning: held-out accuracy per epoch (${(100 * startAcc).toFixed(0)}% before)`, xLabel: 'epoch', yLabel: 'accuracy (%)' },
));

/** The step at which a run that ends outside the plotted window left it for good, or null. */
function leftPlotAt(fn: ToyFunction, points: Float64Array): number | null {
  const { xMin, xMax, yMin, yMax } = fn.domain;
  const inside = (k: number): boolean => {
    const [x, y] = [points[2 * k], points[2 * k + 1]];
    return x >= xMin && x <= xMax && y >= yMin && y <= yMax;
  };
  const last = points.length / 2 - 1;
  if (inside(last)) return null;
  let k = last;
  while (k > 0 && !inside(k - 1)) k--;
  return k;
}

console.log('\nTrajectories on toy functions (same start, each rule with its toy learning rate):');
for (const fn of TOY_FUNCTIONS) {
  const paths: PathSeries[] = [];
  const notes: string[] = [];
  rules.forEach(({ label, rule, options }, i) => {
    // Keep each rule's non-lr options (betas, nus, ...), with the toy function's step size.
    const { lr: _lr, weightDecay: _wd, ...shape } = options;
    const opt = new Optimizer(RULES[rule], toyParams(fn), toyOptions(fn, rule, rule === 'sgd' ? {} : shape));
    const t = runTrajectory(fn, opt);
    const last = t.values[t.values.length - 1];
    const left = leftPlotAt(fn, t.points);
    const note = left !== null ? `exits at step ${left}` : `f = ${Math.abs(last) < 1e-3 && last !== 0 ? last.toExponential(1) : last.toFixed(3)}`;
    paths.push({ label, color: color(i), points: t.points, note });
    notes.push(`${label} ${note}`);
  });
  write(`trajectories-${fn.id}.svg`, contourPlot(fn, paths, { title: `${fn.name}: ${fn.steps} steps from (${fn.start.join(', ')})` }));
  console.log(`  ${fn.name.padEnd(18)} ${notes.join('; ')}`);
}

const png = await rasterize(written);
const rel = (p: string): string => relative(process.cwd(), p) || '.';
console.log(`\nPlots written to ${rel(OUT)}/:`);
for (const p of written) console.log(`  ${rel(p)}`);
if (png.tool) console.log(`  (and a PNG beside each, drawn with ${png.tool})`);
else console.log('  (SVG only: no rsvg-convert or /usr/bin/chromium here to draw PNGs; open the SVGs in a browser)');
