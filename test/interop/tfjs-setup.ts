// Shared pieces of the TF.js interop tests: a small classifier, its data, and comparisons.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { rng, randomArray } from '../helpers';

export const FEATURES = 6;
export const HIDDEN = 10;
export const CLASSES = 3;

/** A 3-class problem: Gaussian blobs around fixed centres, labels one-hot. */
export function blobs(n: number, seed: number): { x: Float32Array; y: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const centres = Array.from({ length: CLASSES }, (_, c) => randomArray(FEATURES, rng(100 + c), 1.5));
  const noise = randomArray(n * FEATURES, r, 0.7);
  const x = new Float32Array(n * FEATURES);
  const y = new Float32Array(n * CLASSES);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * CLASSES);
    labels[i] = c;
    y[i * CLASSES + c] = 1;
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = centres[c][j] + noise[i * FEATURES + j];
  }
  return { x, y, labels };
}

/** Dense(HIDDEN, relu) → Dense(CLASSES, softmax), with seeded weights (identical for equal seeds). */
export function classifier(seed: number): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [FEATURES], units: HIDDEN, activation: 'relu' }),
      tfl.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  const r = rng(seed);
  const weights = model.getWeights().map((w) => tf.tensor(randomArray(w.size, r, 0.4), w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** The model's weights as float32 arrays (copies). */
export function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

/** Largest |a − b| over all weights, and the largest relative difference |a − b| / max(|b|, 1e-3). */
export function maxDiff(a: Float32Array[], b: Float32Array[]): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  a.forEach((wa, k) => {
    for (let i = 0; i < wa.length; i++) {
      const d = Math.abs(wa[i] - b[k][i]);
      abs = Math.max(abs, d);
      rel = Math.max(rel, d / Math.max(Math.abs(b[k][i]), 1e-3));
    }
  });
  return { abs, rel };
}

export async function lossOf(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const l = model.evaluate(x, y, { batchSize: 1024 }) as tf.Scalar | tf.Scalar[];
  const s = Array.isArray(l) ? l[0] : l;
  const v = (await s.data())[0];
  tf.dispose(l);
  return v;
}
