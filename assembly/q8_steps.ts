// The *_q8 kernels: each rule's float32 kernel run block by block over 8-bit state. Per block of
// Q8_BLOCK elements: decode every state slot into a scratch row (signed map for first moments and
// momentum buffers, unsigned for second moments), run the rule's float32 kernel on the block (so the
// parameter update sees this step's float32 state, as in the float32 path), then encode the rows
// back with new block absmaxes (lowp_common.ts). Each state pointer is followed by the pointer of its
// absmax slot (one float32 per block); the last two arguments choose nearest or stochastic codes
// (`seed`: the step's, varied per slot by q8Seed with the slot's number k in the order below).
import { adam_step } from './adam';
import { adamomentum_step } from './adamomentum';
import { qhadam_step } from './qhadam';
import { sgd_momentum_step } from './sgd';
import { rmsprop_step } from './rmsprop';
import { q8DecodeSigned, q8DecodeUnsigned, q8EncodeSigned, q8EncodeUnsigned, q8Row, q8Seed, Q8_BLOCK } from './lowp_common';

/** Byte offset of block b's absmax in an absmax slot. */
@inline function scaleAt(b: i32): usize {
  return (<usize>b / Q8_BLOCK) << 2;
}

@inline function decodeS(codes: usize, absmax: usize, b: i32, row: usize, len: i32): void {
  q8DecodeSigned(codes + <usize>b, load<f32>(absmax + scaleAt(b)), row, len);
}

@inline function decodeU(codes: usize, absmax: usize, b: i32, row: usize, len: i32): void {
  q8DecodeUnsigned(codes + <usize>b, load<f32>(absmax + scaleAt(b)), row, len);
}

/** Encodes a row as the signed codes of 8-bit slot number k (k varies the stochastic rounding's bits). */
@inline function encodeS(row: usize, codes: usize, absmax: usize, b: i32, len: i32, stochastic: bool, seed: u32, k: u32): void {
  q8EncodeSigned(row, codes + <usize>b, absmax + scaleAt(b), len, stochastic, q8Seed(seed, k), b);
}

@inline function encodeU(row: usize, codes: usize, absmax: usize, b: i32, len: i32, stochastic: bool, seed: u32, k: u32): void {
  q8EncodeUnsigned(row, codes + <usize>b, absmax + scaleAt(b), len, stochastic, q8Seed(seed, k), b);
}

/** Byte offset of element b in a float32 slot. */
@inline function f32At(b: i32): usize {
  return (<usize>b) << 2;
}

export function adam_step_q8(
  param: usize, grad: usize, expAvg: usize, expAvgAbsmax: usize, expAvgSq: usize, expAvgSqAbsmax: usize,
  maxExpAvgSq: usize, maxExpAvgSqAbsmax: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, epsHat: f32,
  weightDecay: f32, paramScale: f32, gradSign: f32, amsgrad: bool,
  stochastic: bool, seed: u32,
): void {
  const m = q8Row(0);
  const v = q8Row(1);
  const vmax = q8Row(2);
  for (let b = 0; b < n; b += Q8_BLOCK) {
    const len = min(Q8_BLOCK, n - b);
    decodeS(expAvg, expAvgAbsmax, b, m, len);
    decodeU(expAvgSq, expAvgSqAbsmax, b, v, len);
    if (amsgrad) decodeU(maxExpAvgSq, maxExpAvgSqAbsmax, b, vmax, len);
    adam_step(
      param + f32At(b), grad + f32At(b), m, v, amsgrad ? vmax : 0, len,
      stepSize, oneMinusBeta1, beta2, oneMinusBeta2, epsHat, weightDecay, paramScale, gradSign, amsgrad,
    );
    encodeS(m, expAvg, expAvgAbsmax, b, len, stochastic, seed, 0);
    encodeU(v, expAvgSq, expAvgSqAbsmax, b, len, stochastic, seed, 1);
    if (amsgrad) encodeU(vmax, maxExpAvgSq, maxExpAvgSqAbsmax, b, len, stochastic, seed, 2);
  }
}

export function adamomentum_step_q8(
  param: usize, grad: usize, expAvg: usize, expAvgAbsmax: usize, expAvgSq: usize, expAvgSqAbsmax: usize, n: i32,
  stepSize: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
): void {
  const m = q8Row(0);
  const v = q8Row(1);
  for (let b = 0; b < n; b += Q8_BLOCK) {
    const len = min(Q8_BLOCK, n - b);
    decodeS(expAvg, expAvgAbsmax, b, m, len);
    decodeU(expAvgSq, expAvgSqAbsmax, b, v, len);
    adamomentum_step(param + f32At(b), grad + f32At(b), m, v, len, stepSize, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, paramScale);
    encodeS(m, expAvg, expAvgAbsmax, b, len, stochastic, seed, 0);
    encodeU(v, expAvgSq, expAvgSqAbsmax, b, len, stochastic, seed, 1);
  }
}

export function qhadam_step_q8(
  param: usize, grad: usize, expAvg: usize, expAvgAbsmax: usize, expAvgSq: usize, expAvgSqAbsmax: usize, n: i32,
  lr: f32, oneMinusBeta1Adj: f32, beta2Adj: f32, oneMinusBeta2Adj: f32,
  nu1: f32, oneMinusNu1: f32, nu2: f32, oneMinusNu2: f32, eps: f32, weightDecay: f32, paramScale: f32,
  stochastic: bool, seed: u32,
): void {
  const m = q8Row(0);
  const v = q8Row(1);
  for (let b = 0; b < n; b += Q8_BLOCK) {
    const len = min(Q8_BLOCK, n - b);
    decodeS(expAvg, expAvgAbsmax, b, m, len);
    decodeU(expAvgSq, expAvgSqAbsmax, b, v, len);
    qhadam_step(
      param + f32At(b), grad + f32At(b), m, v, len,
      lr, oneMinusBeta1Adj, beta2Adj, oneMinusBeta2Adj, nu1, oneMinusNu1, nu2, oneMinusNu2, eps, weightDecay, paramScale,
    );
    encodeS(m, expAvg, expAvgAbsmax, b, len, stochastic, seed, 0);
    encodeU(v, expAvgSq, expAvgSqAbsmax, b, len, stochastic, seed, 1);
  }
}

export function sgd_momentum_step_q8(
  param: usize, grad: usize, buf: usize, bufAbsmax: usize, n: i32,
  lr: f32, weightDecay: f32, gradSign: f32, momentum: f32, bufDecay: f32, bufGradScale: f32, nesterov: bool,
  stochastic: bool, seed: u32,
): void {
  const row = q8Row(0);
  for (let b = 0; b < n; b += Q8_BLOCK) {
    const len = min(Q8_BLOCK, n - b);
    decodeS(buf, bufAbsmax, b, row, len);
    sgd_momentum_step(param + f32At(b), grad + f32At(b), row, len, lr, weightDecay, gradSign, momentum, bufDecay, bufGradScale, nesterov);
    encodeS(row, buf, bufAbsmax, b, len, stochastic, seed, 0);
  }
}

/** RMSprop, not centered (centered stays float32: src/lowp/rules.ts). */
export function rmsprop_step_q8(
  param: usize, grad: usize, squareAvg: usize, squareAvgAbsmax: usize, momentumBuffer: usize, momentumBufferAbsmax: usize, n: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, gradSign: f32, momentum: f32, useMomentum: bool,
  stochastic: bool, seed: u32,
): void {
  const v = q8Row(0);
  const buf = q8Row(1);
  for (let b = 0; b < n; b += Q8_BLOCK) {
    const len = min(Q8_BLOCK, n - b);
    decodeU(squareAvg, squareAvgAbsmax, b, v, len);
    if (useMomentum) decodeS(momentumBuffer, momentumBufferAbsmax, b, buf, len);
    rmsprop_step(
      param + f32At(b), grad + f32At(b), v, 0, useMomentum ? buf : 0, len,
      lr, alpha, oneMinusAlpha, eps, weightDecay, gradSign, momentum, false, useMomentum,
    );
    encodeU(v, squareAvg, squareAvgAbsmax, b, len, stochastic, seed, 0);
    if (useMomentum) encodeS(buf, momentumBuffer, momentumBufferAbsmax, b, len, stochastic, seed, 1);
  }
}
