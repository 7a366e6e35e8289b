// AdamW's graph is Adam's: the decoupled decay arrives as the coefficients paramScale and weightDecay = 0.
import type { AdamCoefficients, AdamOptions } from '../../rules/adam';
import type { RuleGraph } from './types';
import { adamGraph } from './adam';

export const adamwGraph: RuleGraph<AdamOptions, AdamCoefficients> = { ...adamGraph, rule: 'adamw' };
