// Option checks shared by the rule specs. Messages follow torch's wording so users can search them.
import { InvalidOptionError } from './errors';

const fmt = (x: unknown): string => String(x);
/** Betas print like Python floats (`1.0`), matching torch's messages users search for. */
const fmtFloat = (x: unknown): string => (typeof x === 'number' && Number.isInteger(x) ? x.toFixed(1) : String(x));

function requireNumber(name: string, x: unknown): asserts x is number {
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new InvalidOptionError(`Invalid ${name}: ${String(x)} (expected a number)`);
  }
}

/** lr >= 0 (torch allows 0). */
export function checkLr(lr: unknown): void {
  requireNumber('learning rate', lr);
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new InvalidOptionError(`Invalid learning rate: ${fmt(lr)}`);
}

/** eps >= 0 unless `strict` (then eps > 0). */
export function checkEps(eps: unknown, strict = false): void {
  requireNumber('epsilon value', eps);
  if (strict ? !(eps > 0) : !(eps >= 0)) throw new InvalidOptionError(`Invalid epsilon value: ${fmt(eps)}`);
}

export function checkWeightDecay(wd: unknown): void {
  requireNumber('weight_decay value', wd);
  if (!(wd >= 0) || !Number.isFinite(wd)) throw new InvalidOptionError(`Invalid weight_decay value: ${fmt(wd)}`);
}

export function checkMomentum(momentum: unknown): void {
  requireNumber('momentum value', momentum);
  if (!(momentum >= 0) || !Number.isFinite(momentum)) {
    throw new InvalidOptionError(`Invalid momentum value: ${fmt(momentum)}`);
  }
}

/** A pair of coefficients each in [0, 1). */
export function checkBetas(betas: unknown, label = 'beta'): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new InvalidOptionError(`Invalid ${label}s: expected a pair [${label}1, ${label}2], got ${String(betas)}`);
  }
  betas.forEach((b, i) => {
    requireNumber(`${label} parameter at index ${i}`, b);
    if (!(b >= 0 && b < 1)) throw new InvalidOptionError(`Invalid ${label} parameter at index ${i}: ${fmtFloat(b)}`);
  });
}

/** A coefficient in [lo, hi] (inclusive). */
export function checkRange(name: string, x: unknown, lo: number, hi: number): void {
  requireNumber(`${name} value`, x);
  if (!(x >= lo && x <= hi)) throw new InvalidOptionError(`Invalid ${name} value: ${fmt(x)} (expected ${lo} <= ${name} <= ${hi})`);
}

export function checkBoolean(name: string, x: unknown): void {
  if (typeof x !== 'boolean') throw new InvalidOptionError(`Invalid ${name}: ${String(x)} (expected true or false)`);
}

export function checkPositive(name: string, x: unknown): void {
  requireNumber(`${name} value`, x);
  if (!(x > 0) || !Number.isFinite(x)) throw new InvalidOptionError(`Invalid ${name} value: ${fmt(x)}`);
}

export function checkNonNegative(name: string, x: unknown): void {
  requireNumber(`${name} value`, x);
  if (!(x >= 0) || !Number.isFinite(x)) throw new InvalidOptionError(`Invalid ${name} value: ${fmt(x)}`);
}

const snakeToCamel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Rejects option names the rule does not know, suggesting the camelCase spelling for torch-style
 * snake_case names (`weight_decay` -> `weightDecay`).
 */
export function checkKnownKeys(rule: string, given: object, known: readonly string[], extra: readonly string[] = []): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key) || extra.includes(key)) continue;
    const camel = snakeToCamel(key);
    const lower = key.toLowerCase();
    const hint = known.find((k) => k === camel || k.toLowerCase() === lower);
    throw new InvalidOptionError(
      `Unknown option '${key}' for ${rule}` + (hint ? `; did you mean '${hint}'?` : `; known options: ${known.join(', ')}`),
    );
  }
}
