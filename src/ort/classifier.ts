/**
 * A classifier head over fixed embeddings as ONNX graphs: the training graph computes the loss and
 * every parameter's gradient (the backward pass written out), the prediction graph the class
 * probabilities. ONNX Runtime Web runs them as ordinary inference graphs (it has no training API
 * since 1.20); edgeoptim updates the parameters.
 *
 *   linear:  z = x W + b
 *   hidden:  a = x W1 + b1,  h = relu(a),  z = h W2 + b2
 *   loss  = −Σ_i Σ_c T_ic · log softmax(z_i)_c
 *   ∂z    = softmax(z) ⊙ rowsum(T) − T
 *   ∂W2 = hᵀ ∂z, ∂b2 = Σ_i ∂z_i, ∂h = ∂z W2ᵀ, ∂a = ∂h ⊙ [a > 0], ∂W1 = xᵀ ∂a, ∂b1 = Σ_i ∂a_i
 *
 * T holds each example's target distribution scaled by its weight: one-hot rows divided by the
 * batch size give the mean cross-entropy (`targetsFor`). Weights are stored [in, out] (x W).
 *
 * Two ways to pass parameters and gradients:
 * - 'tensors': one input per parameter (`w1`, ...) and one output per gradient (`grad_w1`, ...),
 *   as a graph exported from another framework would have them;
 * - a group layout: one input `params` and one output `grads` that are whole arena slots (every
 *   tensor at its layout offset, zero padding), so on WebGPU the optimizer's own param buffer is
 *   the input and its grad buffer the output: nothing is copied, on the GPU or off it.
 */
import type { GroupLayout } from '../layout';
import { ModelBuilder, type Sym } from './graph';

export interface ClassifierHeadSpec {
  /** Embedding size D. */
  readonly inputs: number;
  readonly classes: number;
  /** Hidden units; 0 or absent for a linear head. */
  readonly hidden?: number;
}

/** How the training graph takes parameters and returns gradients. */
export type ClassifierIo = 'tensors' | { readonly layout: GroupLayout };

/** The name of the training graph's output holding `param`'s gradient (in 'tensors' form). */
export const gradName = (param: string): string => `grad_${param}`;

function checkSpec(spec: ClassifierHeadSpec): number {
  const hidden = spec.hidden ?? 0;
  for (const [k, v] of [['inputs', spec.inputs], ['classes', spec.classes], ['hidden', hidden]] as const) {
    if (!Number.isInteger(v) || v < 0 || (k !== 'hidden' && v < 1)) throw new RangeError(`classifier head: '${k}' must be a positive integer (got ${v})`);
  }
  if (spec.classes < 2) throw new RangeError('classifier head: needs at least 2 classes');
  return hidden;
}

/** Parameter names and shapes, in declaration order: `{ w1, b1, w2, b2 }` or `{ w, b }`. */
export function classifierShapes(spec: ClassifierHeadSpec): Record<string, number[]> {
  const hidden = checkSpec(spec);
  const { inputs: d, classes: c } = spec;
  return hidden > 0 ? { w1: [d, hidden], b1: [hidden], w2: [hidden, c], b2: [c] } : { w: [d, c], b: [c] };
}

/** Initial parameters: uniform ±sqrt(6 / (fan_in + fan_out)) weights from a seeded generator, zero biases. */
export function classifierInit(spec: ClassifierHeadSpec, seed = 1): Record<string, Float32Array> {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(classifierShapes(spec))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bound = shape.length === 2 ? Math.sqrt(6 / (shape[0] + shape[1])) : 0;
    out[name] = Float32Array.from({ length: n }, () => (2 * next() - 1) * bound);
  }
  return out;
}

/** Targets for the mean cross-entropy: row i is one-hot at labels[i], scaled by weights[i] (default 1/batch). */
export function targetsFor(labels: ArrayLike<number>, classes: number, weights?: ArrayLike<number>): Float32Array {
  const n = labels.length;
  const t = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`label ${i} is ${c}; expected an integer in [0, ${classes})`);
    t[i * classes + c] = weights ? weights[i] : 1 / n;
  }
  return t;
}

/** The parameters as graph values: inputs by name, or slices of the flat `params` input. */
function paramValues(m: ModelBuilder, shapes: Record<string, number[]>, io: ClassifierIo): Record<string, Sym> {
  if (io === 'tensors') return Object.fromEntries(Object.entries(shapes).map(([name, shape]) => [name, m.input(name, shape)]));
  const layout = checkLayout(shapes, io.layout);
  const flat = m.input('params', [layout.slotLength]);
  return Object.fromEntries(layout.tensors.map((t) => [t.name, m.reshape(m.slice(flat, t.offset, t.offset + t.size), shapes[t.name])]));
}

function checkLayout(shapes: Record<string, number[]>, layout: GroupLayout): GroupLayout {
  const want = Object.keys(shapes);
  const have = layout.tensors.map((t) => t.name);
  if (have.length !== want.length || want.some((n) => !have.includes(n))) {
    throw new RangeError(`classifier head: the layout's group holds [${have.join(', ')}]; the head needs exactly [${want.join(', ')}]`);
  }
  // Sizes only: a tensor declared from a Float32Array is 1-D in the layout; the graph reshapes it.
  for (const t of layout.tensors) {
    const size = shapes[t.name].reduce((a, b) => a * b, 1);
    if (t.size !== size) {
      throw new RangeError(`classifier head: '${t.name}' has ${t.size} elements in the layout; the head needs [${shapes[t.name].join(', ')}] (${size})`);
    }
  }
  return layout;
}

interface Forward {
  readonly z: Sym;
  readonly pre?: Sym;
  readonly h?: Sym;
}

function forward(m: ModelBuilder, x: Sym, p: Record<string, Sym>, hidden: number): Forward {
  if (hidden === 0) return { z: m.gemm(x, p.w, p.b) };
  const pre = m.gemm(x, p.w1, p.b1);
  const h = m.relu(pre);
  return { z: m.gemm(h, p.w2, p.b2), pre, h };
}

/** Softmax and log-softmax over classes (axis 1), max-shifted. */
function softmax(m: ModelBuilder, z: Sym): { p: Sym; logp: Sym } {
  const shifted = m.sub(z, m.reduceMax(z, [1], 1));
  const e = m.exp(shifted);
  const s = m.reduceSum(e, [1], 1);
  return { p: m.div(e, s), logp: m.sub(shifted, m.log(s)) };
}

/**
 * The training graph. Inputs: `x` [batch, inputs], `targets` [batch, classes], the parameters
 * (see ClassifierIo). Outputs: `loss` (0-d), then the gradients (`grad_<name>` each, or `grads`).
 */
export function classifierTrainModel(spec: ClassifierHeadSpec, io: ClassifierIo = 'tensors'): Uint8Array {
  const hidden = checkSpec(spec);
  const shapes = classifierShapes(spec);
  const m = new ModelBuilder(hidden > 0 ? 'mlp_head_train' : 'linear_head_train');
  const x = m.input('x', ['batch', spec.inputs]);
  const t = m.input('targets', ['batch', spec.classes]);
  const p = paramValues(m, shapes, io);
  const f = forward(m, x, p, hidden);
  const { p: probs, logp } = softmax(m, f.z);
  const loss = m.neg(m.reduceSum(m.mul(t, logp)));
  const dz = m.sub(m.mul(probs, m.reduceSum(t, [1], 1)), t);
  const grads: Record<string, Sym> = {};
  if (hidden === 0) {
    grads.w = m.gemm(x, dz, null, { transA: 1 });
    grads.b = m.reduceSum(dz, [0]);
  } else {
    grads.w2 = m.gemm(f.h!, dz, null, { transA: 1 });
    grads.b2 = m.reduceSum(dz, [0]);
    const dh = m.gemm(dz, p.w2, null, { transB: 1 });
    const zero = m.constant(0);
    const da = m.where(m.greater(f.pre!, zero), dh, zero);
    grads.w1 = m.gemm(x, da, null, { transA: 1 });
    grads.b1 = m.reduceSum(da, [0]);
  }
  m.output('loss', loss, []);
  if (io === 'tensors') {
    for (const [name, shape] of Object.entries(shapes)) m.output(gradName(name), grads[name], shape);
  } else {
    // The grad slot: each gradient flattened at its offset, zeros in the padding.
    const parts: Sym[] = [];
    let at = 0;
    for (const tl of io.layout.tensors) {
      if (tl.offset > at) parts.push(m.constant(new Float32Array(tl.offset - at), [tl.offset - at]));
      parts.push(m.reshape(grads[tl.name], [tl.size]));
      at = tl.offset + tl.size;
    }
    if (io.layout.slotLength > at) parts.push(m.constant(new Float32Array(io.layout.slotLength - at), [io.layout.slotLength - at]));
    m.output('grads', m.concat(parts, 0), [io.layout.slotLength]);
  }
  return m.encode();
}

/** The prediction graph: `x` and the parameters (by name) in, `probs` [batch, classes] out. */
export function classifierPredictModel(spec: ClassifierHeadSpec): Uint8Array {
  const hidden = checkSpec(spec);
  const m = new ModelBuilder(hidden > 0 ? 'mlp_head_predict' : 'linear_head_predict');
  const x = m.input('x', ['batch', spec.inputs]);
  const p = paramValues(m, classifierShapes(spec), 'tensors');
  m.output('probs', softmax(m, forward(m, x, p, hidden).z).p, ['batch', spec.classes]);
  return m.encode();
}
