// A small tanh MLP whose parameters and gradients live in an edgeoptim arena: forward and
// backward read weights from `opt.param()` views and write gradients into `opt.grad()` views,
// so nothing is copied between the model and the optimizer.
import type { Dataset } from './spirals';

/** The views a model needs; every edgeoptim optimizer provides them. */
export interface ParamStore {
  param(name: string): Float32Array;
  grad(name: string): Float32Array;
}

export interface MlpShape {
  readonly sizes: readonly number[];
}

/** Tensor declarations for `new Adam(mlpTensors(...))`: W{i} [in, out] and b{i} [out], Xavier-initialized. */
export function mlpTensors(sizes: readonly number[], rand: () => number): Record<string, Float32Array | { shape: number[]; data: Float32Array }> {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const bound = Math.sqrt(6 / (fin + fout));
    tensors[`W${l}`] = { shape: [fin, fout], data: Float32Array.from({ length: fin * fout }, () => (rand() * 2 - 1) * bound) };
    tensors[`b${l}`] = { shape: [fout], data: new Float32Array(fout) };
  }
  return tensors;
}

/**
 * Mean softmax cross-entropy over `indices`; when `train`, adds the gradient into the grad views
 * (callers zero them first). Returns the loss and the number of correct predictions.
 */
export function mlpLossAndGrad(
  store: ParamStore, sizes: readonly number[], data: Dataset, indices: ArrayLike<number>, train: boolean,
): { loss: number; correct: number } {
  const layers = sizes.length - 1;
  const acts: Float32Array[] = sizes.map((s) => new Float32Array(s));
  const deltas: Float32Array[] = sizes.map((s) => new Float32Array(s));
  const W = [...Array(layers).keys()].map((l) => store.param(`W${l}`));
  const b = [...Array(layers).keys()].map((l) => store.param(`b${l}`));
  const gW = train ? [...Array(layers).keys()].map((l) => store.grad(`W${l}`)) : [];
  const gb = train ? [...Array(layers).keys()].map((l) => store.grad(`b${l}`)) : [];
  const scale = 1 / indices.length;
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < indices.length; s++) {
    const idx = indices[s];
    acts[0].set(data.x.subarray(idx * data.features, (idx + 1) * data.features));
    for (let l = 0; l < layers; l++) {
      const [fin, fout, a, z] = [sizes[l], sizes[l + 1], acts[l], acts[l + 1]];
      for (let j = 0; j < fout; j++) {
        let sum = b[l][j];
        for (let i = 0; i < fin; i++) sum += a[i] * W[l][i * fout + j];
        z[j] = l + 1 < layers ? Math.tanh(sum) : sum;
      }
    }
    const logits = acts[layers];
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < logits.length; j++) if (logits[j] > max) { max = logits[j]; arg = j; }
    let z = 0;
    for (let j = 0; j < logits.length; j++) z += Math.exp(logits[j] - max);
    const label = data.y[idx];
    loss += Math.log(z) + max - logits[label];
    if (arg === label) correct++;
    if (!train) continue;
    const d = deltas[layers];
    for (let j = 0; j < logits.length; j++) d[j] = (Math.exp(logits[j] - max) / z - (j === label ? 1 : 0)) * scale;
    for (let l = layers - 1; l >= 0; l--) {
      const [fin, fout, a, dOut, dIn] = [sizes[l], sizes[l + 1], acts[l], deltas[l + 1], deltas[l]];
      for (let j = 0; j < fout; j++) gb[l][j] += dOut[j];
      for (let i = 0; i < fin; i++) {
        let back = 0;
        for (let j = 0; j < fout; j++) {
          gW[l][i * fout + j] += a[i] * dOut[j];
          back += W[l][i * fout + j] * dOut[j];
        }
        dIn[i] = l > 0 ? back * (1 - a[i] * a[i]) : 0;
      }
    }
  }
  return { loss: loss * scale, correct };
}
