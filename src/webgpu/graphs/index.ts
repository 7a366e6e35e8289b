// The graph registry: one RuleGraph per rule name of src/rules/index.ts that has a GPU path.
// Adding a rule's GPU path = one file here mirroring its kernel, plus one entry below.
import type { AnyRuleGraph } from './types';
import { sgdGraph } from './sgd';
import { adamGraph } from './adam';
import { adamwGraph } from './adamw';
import { amsgradGraph } from './amsgrad';
import { adagradGraph } from './adagrad';
import { rmspropGraph } from './rmsprop';
import { adadeltaGraph } from './adadelta';
import { adamaxGraph } from './adamax';
import { nadamGraph } from './nadam';
import { radamGraph } from './radam';
import { qhmGraph } from './qhm';
import { qhadamGraph, qhadamwGraph } from './qhadam';
import { adamomentumGraph } from './adamomentum';
import { adabeliefGraph } from './adabelief';
import { yogiGraph } from './yogi';
import { adaboundGraph } from './adabound';
import { rpropGraph } from './rprop';
import { asgdGraph } from './asgd';
import { momentumGraph, nagGraph } from './momentum';
import { hvadamGraph } from './hvadam';

export const GRAPHS: Readonly<Record<string, AnyRuleGraph>> = Object.fromEntries(
  [
    sgdGraph, adamGraph, adamwGraph, amsgradGraph, adagradGraph, rmspropGraph, adadeltaGraph, adamaxGraph,
    nadamGraph, radamGraph, qhmGraph, qhadamGraph, qhadamwGraph, adamomentumGraph, adabeliefGraph, yogiGraph,
    adaboundGraph, rpropGraph, asgdGraph, momentumGraph, nagGraph, hvadamGraph,
  ].map((g) => [g.rule, g]),
);

export type { RuleGraph, AnyRuleGraph, GraphVectors, GraphResult, SecondPass } from './types';
