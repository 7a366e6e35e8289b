// TensorFlow.js peers: `tf.train.*` optimizers on the cpu backend (plain JS) and the wasm backend
// (XNNPACK, SIMD; single-threaded in Node, which has no cross-origin isolation to check but no
// pthread build here either), stepping one variable of n elements with a fixed gradient tensor.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { timeIt, trialPlan, type Timing } from '../timing';
import { fillRandom, type TimingOptions } from '../rule-throughput';
import { syncContender, type Contender } from '../contender';

/** edgeoptim rule -> the tf.train optimizer with the same math and the bench's hyperparameters. */
const FACTORIES: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.momentum(1e-3, 0.9),
  adam: () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
  adagrad: () => tf.train.adagrad(1e-2, 0),
  adadelta: () => tf.train.adadelta(1, 0.9, 1e-6),
  adamax: () => tf.train.adamax(2e-3, 0.9, 0.999, 1e-8),
  rmsprop: () => tf.train.rmsprop(1e-2, 0.99, 0, 1e-8),
};

export const TFJS_RULES = Object.keys(FACTORIES);
export type TfBackend = 'cpu' | 'wasm';

let wasmPathSet = false;
let counter = 0;

export async function tfjsInfo(): Promise<Record<string, unknown>> {
  return { version: tf.version_core };
}

async function useBackend(backend: TfBackend): Promise<void> {
  if (backend === 'wasm' && !wasmPathSet) {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmPathSet = true;
  }
  if (tf.getBackend() !== backend) {
    await tf.setBackend(backend);
    await tf.ready();
  }
}

/**
 * `applyGradients` steps of one variable, or a reason when the rule has no tf.train optimizer.
 * Each trial first selects the contender's backend and takes one untimed step (TF.js moves the
 * tensors back if another backend ran in between).
 */
export async function tfjsContender(rule: string, n: number, backend: TfBackend): Promise<Contender | string> {
  const factory = FACTORIES[rule];
  if (!factory) return 'no tf.train optimizer';
  await useBackend(backend);
  const init = new Float32Array(n);
  fillRandom(init, 1);
  const grad = new Float32Array(n);
  fillRandom(grad, 2);
  const name = `w${counter++}`;
  const variable = tf.variable(tf.tensor1d(init), true, name);
  const g = tf.tensor1d(grad);
  const opt = factory();
  const step = (): void => opt.applyGradients({ [name]: g });
  const dispose = (): void => {
    opt.dispose();
    variable.dispose();
    g.dispose();
  };
  try {
    return syncContender(step, dispose, async () => {
      if (tf.getBackend() !== backend) {
        await useBackend(backend);
        step();
      }
    });
  } catch (err) {
    dispose();
    return `failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** tf.train.adam over one variable per size (the small-tensors comparison). */
export async function timeTfjsMany(sizes: readonly number[], backend: TfBackend, t: TimingOptions): Promise<Timing | string> {
  await useBackend(backend);
  const vars = sizes.map((n, i) => {
    const a = new Float32Array(n);
    fillRandom(a, i + 1);
    return { v: tf.variable(tf.tensor1d(a), true, `m${counter++}`), g: tf.tensor1d(a) };
  });
  const grads = Object.fromEntries(vars.map((x) => [x.v.name, x.g])) as unknown as Parameters<tf.AdamOptimizer['applyGradients']>[0];
  const opt = tf.train.adam(1e-3);
  try {
    const t0 = performance.now();
    opt.applyGradients(grads);
    return timeIt(() => opt.applyGradients(grads), trialPlan(performance.now() - t0, t.trials, t.targetMs));
  } catch (err) {
    return `failed: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    opt.dispose();
    for (const x of vars) {
      x.v.dispose();
      x.g.dispose();
    }
  }
}
