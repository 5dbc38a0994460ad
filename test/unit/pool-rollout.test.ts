import { describe, expect, it } from '@jest/globals';
import type { IntOrPercent } from '../../api/v1alpha1/int-or-percent.js';
import { planRollout, type RolloutPlan } from '../../planners/pool/pool-rollout.js';
import { aPod } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

const NEW = 'rev-new';

/** Ready pod `name` at `revision`, ready since minute `readyMinute` (more recently ready goes first). */
function ready(name: string, revision = 'rev-old', readyMinute = 1): PodDigest {
  return aPod(name).inPool('p', revision).ready('10.0.0.1', `2026-01-01T00:0${readyMinute}:00Z`).digest();
}

function warming(name: string, revision = 'rev-old'): PodDigest {
  return aPod(name).inPool('p', revision).digest();
}

interface Row {
  schedulable: PodDigest[];
  allocated?: string[];
  maxUnavailable?: IntOrPercent;
}

function plan(row: Row): RolloutPlan {
  return planRollout({
    spec: { updateStrategy: row.maxUnavailable === undefined ? undefined : { maxUnavailable: row.maxUnavailable } },
    revision: NEW,
    schedulable: row.schedulable,
    allocatedPodNames: row.allocated ?? [],
  });
}

describe('planRollout', () => {
  it.each<[string, Row, string[]]>([
    ['nothing to do at the current revision', { schedulable: [ready('a', NEW), ready('b', NEW)] }, []],
    ['default 25% of 4 schedulable: one ready pod per round', { schedulable: ['a', 'b', 'c', 'd'].map((n) => ready(n)) }, ['a']],
    ['the more recently ready pod goes first', { schedulable: [ready('a', 'rev-old', 1), ready('b', 'rev-old', 5), ready('c', NEW), ready('d', NEW)] }, ['b']],
    ['not-ready old pods go without budget, and use the budget up', { schedulable: [ready('a'), ready('b'), warming('w1'), warming('w2')] }, ['w1', 'w2']],
    ['not-ready pods of the current revision use the budget up too', { schedulable: [ready('a'), ready('b'), ready('c'), warming('n1', NEW)] }, []],
    ['an integer maxUnavailable is absolute', { schedulable: ['a', 'b', 'c', 'd'].map((n) => ready(n)), maxUnavailable: 3 }, ['a', 'b', 'c']],
    [
      'allocated pods are never touched, ready or not',
      { schedulable: [ready('a'), warming('w'), ready('b')], allocated: ['a', 'w'], maxUnavailable: '100%' },
      ['b'],
    ],
    ['a pod without a revision label is outdated', { schedulable: [aPod('bare').ready().digest()] }, ['bare']],
    ['an empty pool', { schedulable: [] }, []],
  ])('%s', (_, row, expected) => {
    expect(plan(row)).toEqual({ deletePods: expected, supply: expected.length });
  });
});
