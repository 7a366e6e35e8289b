/**
 * Annealed gradient noise (Neelakantan et al. 2015, "Adding Gradient Noise Improves Learning for
 * Very Deep Networks"), usable before the step of any rule:
 *
 *   g_t ← g_t + N(0, σ_t²),   σ_t² = η / (1 + t)^γ
 *
 * where t counts the calls of `apply()` (training steps; 0 at the first). The paper uses
 * η ∈ {0.01, 0.3, 1} and γ = 0.55. Noise goes into each tensor's gradient (never the slot padding),
 * from a seeded generator whose state is part of `stateDict()`.
 */
import { Random, type RandomState } from '../random';
import { InvalidOptionError, StateDictError } from '../errors';

export interface GradientNoiseOptions {
  /** η, the variance at t = 0. */
  eta: number;
  /** γ, the decay exponent of the variance. */
  gamma: number;
  seed: number;
}

const DEFAULTS: GradientNoiseOptions = { eta: 0.01, gamma: 0.55, seed: 0 };

/** What gradient noise needs of an optimizer: names and gradient views. */
export interface NoisyOptimizer {
  readonly tensorNames: readonly string[];
  grad(name: string): Float32Array;
}

export interface GradientNoiseState {
  readonly t: number;
  readonly random: RandomState;
}

export class GradientNoise {
  readonly options: Readonly<GradientNoiseOptions>;
  /** Calls of `apply()` so far. */
  t = 0;
  private readonly random: Random;

  constructor(
    private readonly optimizer: NoisyOptimizer,
    options: Partial<GradientNoiseOptions> = {},
  ) {
    for (const key of Object.keys(options)) {
      if (!(key in DEFAULTS)) throw new InvalidOptionError(`Unknown option '${key}' for GradientNoise; known options: eta, gamma, seed`);
    }
    const o = { ...DEFAULTS, ...options };
    if (typeof o.eta !== 'number' || !(o.eta >= 0) || !Number.isFinite(o.eta)) throw new InvalidOptionError(`Invalid eta value: ${String(o.eta)}`);
    if (typeof o.gamma !== 'number' || !(o.gamma >= 0) || !Number.isFinite(o.gamma)) throw new InvalidOptionError(`Invalid gamma value: ${String(o.gamma)}`);
    this.options = o;
    this.random = new Random(o.seed);
  }

  /** σ_t for the next `apply()`. */
  get sigma(): number {
    return Math.sqrt(this.options.eta / (1 + this.t) ** this.options.gamma);
  }

  /** Adds this step's noise to every gradient and advances t. */
  apply(): void {
    const sigma = this.sigma;
    for (const name of this.optimizer.tensorNames) this.random.addNormal(this.optimizer.grad(name), sigma);
    this.t += 1;
  }

  stateDict(): GradientNoiseState {
    return { t: this.t, random: this.random.stateDict() };
  }

  loadStateDict(state: GradientNoiseState): void {
    if (!state || !Number.isInteger(state.t) || state.t < 0) throw new StateDictError('GradientNoise state needs an integer t >= 0');
    this.random.loadStateDict(state.random);
    this.t = state.t;
  }
}
