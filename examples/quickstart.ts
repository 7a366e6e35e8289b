// The README's quick-start example, runnable: `node scripts/run-ts.mjs examples/quickstart.ts`.
import { init, AdamW } from '../src/index';

await init(); // compiles the embedded WebAssembly once; later calls return at once

// Two parameter groups; the bias group skips weight decay. Shapes, or Float32Arrays of initial values.
const opt = new AdamW(
  [
    { params: { 'fc.weight': [4, 3], 'head.weight': new Float32Array([0.5, -0.5, 0.25]) } },
    { params: { 'fc.bias': [3] }, weightDecay: 0 },
  ],
  { lr: 1e-2, betas: [0.9, 0.999] },
);

const w = opt.param('fc.weight'); // a zero-copy Float32Array view into the arena
w.set([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0, -1.1, 1.2]);

for (let step = 0; step < 100; step++) {
  opt.zeroGrad();
  // Your backward pass writes gradients in place; here d/dw of 0.5 * ||w||^2 is w itself.
  for (const name of opt.tensorNames) opt.grad(name).set(opt.param(name));
  opt.step(); // one WebAssembly SIMD call per group updates every tensor
  if (step === 50) opt.paramGroups[0].lr = 5e-3; // options can change between steps
}

const checkpoint = opt.stateDict(); // { state: { 'fc.weight': { step, exp_avg, exp_avg_sq } }, param_groups }
console.log('fc.weight after 100 steps:', Array.from(w, (x) => x.toFixed(3)).join(' '));
console.log('saved state for', Object.keys(checkpoint.state).join(', '), 'at step', checkpoint.state['fc.weight'].step);
