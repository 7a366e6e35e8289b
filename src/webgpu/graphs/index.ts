// The graph registry: one RuleGraph per rule name of src/rules/index.ts that has a GPU path.
// Adding a rule's GPU path = one file here mirroring its kernel, plus one line below.
import type { AnyRuleGraph } from './types';
import { sgdGraph } from './sgd';
import { adamGraph } from './adam';
import { adamwGraph } from './adamw';
import { adagradGraph } from './adagrad';
import { rmspropGraph } from './rmsprop';
import { adadeltaGraph } from './adadelta';
import { adamaxGraph } from './adamax';

export const GRAPHS: Readonly<Record<string, AnyRuleGraph>> = Object.fromEntries(
  [sgdGraph, adamGraph, adamwGraph, adagradGraph, rmspropGraph, adadeltaGraph, adamaxGraph].map((g) => [g.rule, g]),
);

export type { RuleGraph, AnyRuleGraph, GraphVectors, GraphResult } from './types';
