// Fuzzing checkpoint loading: random files and mutated real files must end in a typed
// EdgeOptimError (never a crash or a hang), and must leave the optimizer exactly as it was.
// Files whose checksum the fuzzer re-signs reach the parser's deeper checks: those may load,
// but only when what loaded equals what the file says.
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { AdamW, EdgeOptimError, init, Optimizer } from '../src/index';
import { CheckpointError } from '../src/errors';
import { crc32, loadCheckpoint, readCheckpoint, saveCheckpoint } from '../src/checkpoint/index';
import { randomArray, rng } from './helpers';

/** Bounded by default so CI stays fast; FUZZ_RUNS / FUZZ_SEED explore further. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 0);

let good: Uint8Array;

beforeAll(async () => {
  await init();
  good = saveCheckpoint(trained(1));
});

const make = () => new AdamW([{ params: { w: [3, 4], b: [5] } }, { params: { c: [17] }, lr: 3e-3 }], { lr: 1e-2 });

function trained(seed: number): AdamW {
  const opt = make();
  const rand = rng(seed);
  for (let s = 0; s < 3; s++) {
    for (const n of opt.tensorNames) opt.grad(n).set(randomArray(opt.grad(n).length, rand));
    opt.step();
  }
  return opt;
}

const everything = (opt: Optimizer<object>) =>
  [JSON.stringify(opt.paramGroups), ...opt.layout.groups.flatMap((g, gi) => g.slots.map((s) => Array.from(opt.slotView(gi, s)).join(',')))];

/** Recomputes the file's CRC-32 the way the writer does, so a mutation survives the checksum. */
function resign(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const text = new TextDecoder('latin1').decode(out);
  const at = text.indexOf('"crc32":"');
  if (at < 0 || text.indexOf('"crc32":"', at + 1) >= 0) return out;
  const digits = at + 9;
  if (digits + 8 > out.length) return out;
  const placeholder = new TextEncoder().encode('00000000');
  let c = crc32(out.subarray(0, digits));
  c = crc32(placeholder, c);
  c = crc32(out.subarray(digits + 8), c);
  out.set(new TextEncoder().encode(c.toString(16).padStart(8, '0')), digits);
  return out;
}

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; value: number };

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of ms) {
    const at = out.length ? m.at % out.length : 0;
    if (m.kind === 'flip') out[at] ^= 1 << m.bit;
    else if (m.kind === 'set') out[at] = m.value;
    else if (m.kind === 'cut') out = out.slice(0, at);
    else out = new Uint8Array([...out.subarray(0, at), m.value, ...out.subarray(at)]);
  }
  return out;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

/** Loads `bytes` into a trained optimizer; returns whether it loaded. Any throw must be typed and change nothing. */
function tryLoad(bytes: Uint8Array): { loaded: boolean; opt: AdamW } {
  const opt = trained(2);
  const before = everything(opt);
  try {
    loadCheckpoint(bytes, opt);
    return { loaded: true, opt };
  } catch (err) {
    expect(err).toBeInstanceOf(EdgeOptimError);
    expect(everything(opt)).toEqual(before);
    return { loaded: false, opt };
  }
}

describe('checkpoint fuzzing', () => {
  test('the unmutated file loads (control)', () => {
    expect(tryLoad(good).loaded).toBe(true);
  });

  test('random bytes never load and never crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(tryLoad(bytes).loaded).toBe(false);
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  test('random bytes behind a plausible header length never load', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.uint8Array({ maxLength: 600 }), (len, body) => {
        const bytes = new Uint8Array(8 + body.length);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(len), true);
        bytes.set(body, 8);
        expect(tryLoad(bytes).loaded).toBe(false);
      }),
      { numRuns: RUNS, seed: SEED + 2 },
    );
  });

  test('any mutation of a real file is caught (the checksum covers every byte)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const bytes = mutate(good, ms);
        fc.pre(bytes.length !== good.length || bytes.some((b, i) => b !== good[i]));
        const { loaded } = tryLoad(bytes);
        expect(loaded).toBe(false);
      }),
      { numRuns: RUNS, seed: SEED + 3 },
    );
  });

  test('re-signed mutations reach the parser: typed errors, or a load that equals the file', () => {
    let loads = 0;
    let rejections = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const bytes = resign(mutate(good, ms));
        const { loaded, opt } = tryLoad(bytes);
        if (!loaded) {
          rejections++;
          return;
        }
        loads++;
        // What loaded must be exactly what the (valid, re-signed) file holds, never anything else.
        const file = readCheckpoint(bytes);
        for (const name of opt.tensorNames) expect(Array.from(opt.param(name))).toEqual(Array.from(file.tensors.get(`param.${name}`)!.data));
      }),
      { numRuns: RUNS, seed: SEED + 4 },
    );
    expect(rejections).toBeGreaterThan(0);
    expect(loads + rejections).toBe(RUNS);
  });

  test('errors carry a reason', () => {
    const bytes = good.slice(0, good.length - 3);
    const opt = trained(2);
    try {
      loadCheckpoint(bytes, opt);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).reason).toBe('truncated');
    }
  });
});
