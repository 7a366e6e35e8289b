// The native-C reference (bench/native/steps.c): compiled here when gcc exists, twice —
// 128-bit (-march=x86-64: SSE2, the width of wasm SIMD) and native width (-march=native) — and
// run as a child process per cell, with the same trial protocol as the JS side.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { SLOW_MS, type Contender } from './contender';

export type NativeWidth = '128' | 'native';
const FLAGS: Record<NativeWidth, string[]> = { '128': ['-march=x86-64'], native: ['-march=native'] };
const RULES: Record<string, string> = { adam: 'adam', sgd: 'sgd' };
export const NATIVE_RULES = Object.keys(RULES);

let compiled: Record<NativeWidth, string> | string | undefined;

/** Compiles both builds once; returns a reason when there is no compiler. */
function binaries(): Record<NativeWidth, string> | string {
  if (compiled) return compiled;
  try {
    const version = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    mkdirSync('build/native', { recursive: true });
    const out = {} as Record<NativeWidth, string>;
    for (const width of Object.keys(FLAGS) as NativeWidth[]) {
      out[width] = `build/native/steps-${width}`;
      execFileSync('gcc', ['-O3', '-fno-math-errno', ...FLAGS[width], '-o', out[width], 'bench/native/steps.c', '-lm']);
    }
    compiled = out;
    nativeVersion = version;
  } catch (err) {
    compiled = `no C compiler (${(err as Error).message.split('\n')[0]})`;
  }
  return compiled;
}

export let nativeVersion: string | undefined;

export function nativeInfo(): Record<string, unknown> {
  binaries();
  return { compiler: nativeVersion ?? null, flags: { '128': ['-O3', '-fno-math-errno', ...FLAGS['128']], native: ['-O3', '-fno-math-errno', ...FLAGS.native] } };
}

/** The C loop as a contender: each trial is one run of the binary (one trial of ~targetMs). */
export function nativeContender(rule: string, n: number, width: NativeWidth): Contender | string {
  if (!RULES[rule]) return 'no C reference';
  const bins = binaries();
  if (typeof bins === 'string') return bins;
  const run = (targetMs: number): number => {
    const out = execFileSync(bins[width], [RULES[rule], String(n), '1', String(targetMs)], { encoding: 'utf8' });
    return (JSON.parse(out) as { seconds: number[] }).seconds[0];
  };
  const slow = run(0) * 1000 > SLOW_MS;
  return { slow, trial: async (targetMs) => run(slow ? 0 : targetMs) };
}
