// `npm run demo`: trains the same small MLP on a 3-arm spiral with several edgeoptim rules and
// prints a results table. Every rule starts from the same weights and sees the same batches.
import { init, Optimizer, RULES } from '../src/index';
import { mlpLossAndGrad, mlpTensors } from './mlp';
import { mulberry32, spirals, split } from './spirals';

/** Rules compared, with learning rates tuned by a coarse sweep on this task. */
const CANDIDATES: { label: string; rule: string; options: Record<string, unknown> }[] = [
  { label: 'SGD (momentum 0.9)', rule: 'sgd', options: { lr: 0.1, momentum: 0.9 } },
  { label: 'Adam', rule: 'adam', options: { lr: 1e-2 } },
  { label: 'AdamW', rule: 'adamw', options: { lr: 1e-2, weightDecay: 1e-2 } },
  { label: 'QHAdam', rule: 'qhadam', options: { lr: 1e-2, nus: [0.7, 1], betas: [0.995, 0.999] } },
  { label: 'AdaMomentum', rule: 'adamomentum', options: { lr: 1e-2 } },
  { label: 'HVAdam', rule: 'hvadam', options: { lr: 1e-2 } },
];

const SIZES = [2, 64, 64, 3];
const EPOCHS = Number(process.env.DEMO_EPOCHS ?? 60);
const BATCH = 32;

function progress(label: string, epoch: number, loss: number): void {
  const width = 30;
  const done = Math.round((width * epoch) / EPOCHS);
  const line = `  ${label.padEnd(20)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${String(epoch).padStart(3)}/${EPOCHS}  loss ${loss.toFixed(4)}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else if (epoch === EPOCHS || epoch % 20 === 0) console.log(line);
}

await init();
const { train, test } = split(spirals({ perClass: 300, classes: 3, seed: 7 }));
const rules = CANDIDATES.filter((c) => RULES[c.rule]);
console.log(`edgeoptim demo: MLP ${SIZES.join('-')} on ${train.count} spiral points (${test.count} held out), ${EPOCHS} epochs, batch ${BATCH}\n`);

const results: { label: string; loss: number; acc: number; seconds: number; steps: number }[] = [];
for (const { label, rule, options } of rules) {
  const opt = new Optimizer(RULES[rule], mlpTensors(SIZES, mulberry32(1)), options);
  const shuffle = mulberry32(2);
  const order = [...Array(train.count).keys()];
  let steps = 0;
  let loss = NaN;
  const t0 = performance.now();
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let sum = 0;
    for (let start = 0; start < order.length; start += BATCH) {
      opt.zeroGrad();
      const batch = order.slice(start, start + BATCH);
      sum += mlpLossAndGrad(opt, SIZES, train, batch, true).loss * batch.length;
      opt.step();
      steps++;
    }
    loss = sum / train.count;
    progress(label, epoch, loss);
  }
  const seconds = (performance.now() - t0) / 1000;
  if (process.stdout.isTTY) process.stdout.write('\n');
  const { correct } = mlpLossAndGrad(opt, SIZES, test, [...Array(test.count).keys()], false);
  results.push({ label, loss, acc: correct / test.count, seconds, steps });
}

console.log('\n| rule | final train loss | test accuracy | wall time (s) | steps/s |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.label} | ${r.loss.toFixed(4)} | ${(100 * r.acc).toFixed(1)}% | ${r.seconds.toFixed(2)} | ${Math.round(r.steps / r.seconds)} |`);
}
