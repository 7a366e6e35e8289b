// `npm run bench:lowp:quality`: how far low-precision optimizer state takes training from the
// float32 run — the multi-tensor problem, the toy functions and the demo's MLP fine-tuning, for each
// rule with low-precision kernels and each precision (bench/lowp-quality-lib.ts).
//   --epochs=40   --steps=400
import { init } from '../src/index';
import { TOY_FUNCTIONS } from '../examples/toy-functions';
import {
  fineTune, MLP_RULES, mlpSetup, pathDeviation, PRECISIONS, runMultiTensor, runToy, trajectoryDeviation,
} from './lowp-quality-lib';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const epochs = Number(arg('epochs') ?? 40);
const steps = Number(arg('steps') ?? 400);

await init();
const RULES_MT: [string, Record<string, unknown>][] = [
  ['adam', { lr: 1e-2 }],
  ['adamw', { lr: 1e-2, weightDecay: 1e-2 }],
  ['adamomentum', { lr: 1e-2 }],
  ['qhadam', { lr: 1e-2, nus: [0.7, 1], betas: [0.995, 0.999] }],
  ['sgd', { lr: 0.02, momentum: 0.9 }],
  ['rmsprop', { lr: 1e-3 }],
];

console.log(`## Multi-tensor problem (${steps} steps; loss relative to the start; deviation = max over steps of ‖θ − θ_f32‖ / ‖θ_f32 − θ_0‖)\n`);
console.log(`| rule | ${PRECISIONS.map((p) => p.label).join(' | ')} |`);
console.log(`|---|${PRECISIONS.map(() => '---').join('|')}|`);
for (const [rule, options] of RULES_MT) {
  const runs = PRECISIONS.map((p) => runMultiTensor(rule, { ...options, ...p.options }, steps));
  const cells = runs.map((r, k) => (k === 0 ? r.finalLoss.toExponential(3) : `${r.finalLoss.toExponential(3)} (dev ${trajectoryDeviation(r, runs[0]).toFixed(3)})`));
  console.log(`| ${rule} ${JSON.stringify(options)} | ${cells.join(' | ')} |`);
}

console.log('\n## Toy functions (final f; path deviation = max distance from the float32 path / its extent)\n');
const TOY_RULES: [string, Record<string, unknown>][] = [['adam', {}], ['sgd', {}], ['rmsprop', {}], ['qhadam', { nus: [0.7, 1], betas: [0.995, 0.999] }], ['adamomentum', {}]];
console.log(`| function | rule | ${PRECISIONS.map((p) => p.label).join(' | ')} |`);
console.log(`|---|---|${PRECISIONS.map(() => '---').join('|')}|`);
for (const fn of TOY_FUNCTIONS) {
  for (const [rule, extra] of TOY_RULES) {
    const runs = PRECISIONS.map((p) => runToy(fn, rule, p, extra));
    const fmt = (x: number): string => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));
    const cells = runs.map((r, k) => (k === 0 ? fmt(r.finalValue) : `${fmt(r.finalValue)} (dev ${pathDeviation(r.points, runs[0].points).toFixed(3)})`));
    console.log(`| ${fn.name} | ${rule} | ${cells.join(' | ')} |`);
  }
}

console.log(`\n## Demo MLP fine-tuning (examples/demo.ts setup, ${epochs} epochs): final train loss / held-out accuracy\n`);
const setup = mlpSetup();
console.log(`| rule | ${PRECISIONS.map((p) => p.label).join(' | ')} |`);
console.log(`|---|${PRECISIONS.map(() => '---').join('|')}|`);
for (const { label, rule, options } of MLP_RULES) {
  const cells = PRECISIONS.map((p) => {
    const r = fineTune(setup, rule, { ...options, ...p.options }, epochs);
    return `${r.loss.toFixed(4)} / ${(100 * r.acc).toFixed(1)}%`;
  });
  console.log(`| ${label} | ${cells.join(' | ')} |`);
}
