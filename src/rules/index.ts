// The rule registry: every spec by its name (used by generic code, checkpoints and tests).
import type { AnyRuleSpec } from './spec';
import { sgdSpec } from './sgd';
import { adamSpec } from './adam';
import { adamwSpec } from './adamw';
import { hvadamSpec } from './hvadam';
import { radamSpec } from './radam';
import { rpropSpec } from './rprop';
import { asgdSpec } from './asgd';
import { amsgradSpec } from './amsgrad';
import { momentumSpec } from './momentum';
import { nagSpec } from './nag';
import { adagradSpec } from './adagrad';
import { adadeltaSpec } from './adadelta';
import { rmspropSpec } from './rmsprop';
import { adamaxSpec } from './adamax';
import { nadamSpec } from './nadam';
import { qhmSpec } from './qhm';
import { qhadamSpec } from './qhadam';
import { qhadamwSpec } from './qhadamw';
import { adamomentumSpec } from './adamomentum';
import { adabeliefSpec } from './adabelief';
import { yogiSpec } from './yogi';
import { adaboundSpec } from './adabound';

export const RULES: Readonly<Record<string, AnyRuleSpec>> = {
  [qhmSpec.name]: qhmSpec,
  [qhadamSpec.name]: qhadamSpec,
  [qhadamwSpec.name]: qhadamwSpec,
  [adamomentumSpec.name]: adamomentumSpec,
  [adabeliefSpec.name]: adabeliefSpec,
  [yogiSpec.name]: yogiSpec,
  [adaboundSpec.name]: adaboundSpec,
  [sgdSpec.name]: sgdSpec,
  [adamSpec.name]: adamSpec,
  [adamwSpec.name]: adamwSpec,
  [hvadamSpec.name]: hvadamSpec,
  [radamSpec.name]: radamSpec,
  [rpropSpec.name]: rpropSpec,
  [asgdSpec.name]: asgdSpec,
  [amsgradSpec.name]: amsgradSpec,
  [momentumSpec.name]: momentumSpec,
  [nagSpec.name]: nagSpec,
  [adagradSpec.name]: adagradSpec,
  [adadeltaSpec.name]: adadeltaSpec,
  [rmspropSpec.name]: rmspropSpec,
  [adamaxSpec.name]: adamaxSpec,
  [nadamSpec.name]: nadamSpec,
};
