// The graph registry: one RuleGraph per rule name of src/rules/index.ts that has a GPU path.
import type { AnyRuleGraph } from './types';
import { sgdGraph } from './sgd';
import { adamGraph } from './adam';
import { adamwGraph } from './adamw';

export const GRAPHS: Readonly<Record<string, AnyRuleGraph>> = {
  [sgdGraph.rule]: sgdGraph,
  [adamGraph.rule]: adamGraph,
  [adamwGraph.rule]: adamwGraph,
};

export type { RuleGraph, AnyRuleGraph, GraphVectors, GraphResult } from './types';
