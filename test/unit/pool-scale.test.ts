import { describe, expect, it } from '@jest/globals';
import type { CapacitySpec, PoolSpec } from '../../api/v1alpha1/pool.js';
import { MAX_POOL_CREATES_PER_ROUND, planPoolScale, type PoolScaleInput, type PoolScalePlan } from '../../planners/pool/pool-scale.js';
import { aPod } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

// The pool of the spec's worked example (§4.8).
const EXAMPLE: CapacitySpec = { bufferMin: 2, bufferMax: 4, poolMin: 3, poolMax: 6 };

/** `n` Ready pool pods named `<prefix>-<i>`, created a minute apart from `firstMinute`. */
function ready(prefix: string, n: number, firstMinute = 0): PodDigest[] {
  return Array.from({ length: n }, (_, i) =>
    aPod(`${prefix}-${i}`)
      .inPool('p')
      .ready()
      .createdAt(minute(firstMinute + i))
      .digest(),
  );
}

/** `n` pool pods still warming up (Pending). */
function warming(prefix: string, n: number): PodDigest[] {
  return Array.from({ length: n }, (_, i) =>
    aPod(`${prefix}-${i}`)
      .inPool('p')
      .createdAt(minute(50 + i))
      .digest(),
  );
}

function minute(m: number): string {
  return `2026-01-01T00:${String(m).padStart(2, '0')}:00Z`;
}

interface Row {
  capacity?: CapacitySpec;
  scaleStrategy?: PoolSpec['scaleStrategy'];
  schedulable: PodDigest[];
  /** Defaults to schedulable.length. */
  total?: number;
  allocated?: string[];
  supply?: number;
  toDelete?: string[];
}

function plan(row: Row): PoolScalePlan {
  const input: PoolScaleInput = {
    spec: { capacitySpec: row.capacity ?? EXAMPLE, scaleStrategy: row.scaleStrategy },
    schedulable: row.schedulable,
    total: row.total ?? row.schedulable.length,
    allocatedPodNames: row.allocated ?? [],
    supply: row.supply ?? 0,
    toDelete: row.toDelete ?? [],
  };
  return planPoolScale(input);
}

describe('planPoolScale: the spec worked example (bufferMin 2, bufferMax 4, poolMin 3, poolMax 6, 25%)', () => {
  it.each<[string, Row, Pick<PoolScalePlan, 'desired' | 'create' | 'reason'>]>([
    ['empty pool: desired 3, create min(3, 6) limited to ceil(0.75) = 1', { schedulable: [] }, { desired: 3, create: 1, reason: 'MaxUnavailable' }],
    ['that pod is not ready yet: nothing more until it is', { schedulable: warming('w', 1) }, { desired: 3, create: 0, reason: 'MaxUnavailable' }],
    [
      'that pod is ready: the next one (one pod at a time for a small pool)',
      { schedulable: ready('r', 1) },
      { desired: 3, create: 1, reason: 'MaxUnavailable' },
    ],
    [
      '2 allocated of 3: buffer 1, desired 5, create min(2, 6 - 3) limited to ceil(1.25) = 2',
      { schedulable: ready('r', 3), allocated: ['r-0', 'r-1'] },
      { desired: 5, create: 2, reason: undefined },
    ],
  ])('%s', (_, row, expected) => {
    const result = plan(row);
    expect({ desired: result.desired, create: result.create, reason: result.reason }).toEqual(expected);
    expect(result.deletePods).toEqual([]);
  });
});

describe('planPoolScale: scale-up', () => {
  it('creates at most MAX_POOL_CREATES_PER_ROUND pods a round, whatever the capacity (issue 13: 2^31-1 timed the pool workflow task out)', () => {
    const huge = 2147483647;
    const result = plan({
      capacity: { bufferMin: huge, bufferMax: huge, poolMin: huge, poolMax: huge },
      scaleStrategy: { maxUnavailable: '100%' },
      schedulable: [],
    });
    expect(result.create).toBe(MAX_POOL_CREATES_PER_ROUND);
  });

  it.each<[string, Row, Pick<PoolScalePlan, 'desired' | 'create' | 'reason'>]>([
    ['a buffer within [bufferMin, bufferMax] is kept', { schedulable: ready('r', 4) }, { desired: 4, create: 0, reason: undefined }],
    [
      'not-ready idle pods count towards the buffer',
      { schedulable: [...ready('r', 1), ...warming('w', 2)], scaleStrategy: { maxUnavailable: 10 } },
      { desired: 3, create: 0, reason: undefined },
    ],
    [
      'poolMin is a floor above the buffer',
      { capacity: { bufferMin: 0, bufferMax: 1, poolMin: 4, poolMax: 10 }, schedulable: ready('r', 1), scaleStrategy: { maxUnavailable: '100%' } },
      { desired: 4, create: 3, reason: undefined },
    ],
    [
      'supply (unmet demand, rollout replacements) is added to the target',
      { capacity: { ...EXAMPLE, poolMax: 20 }, schedulable: ready('r', 3), allocated: ['r-0'], supply: 4, scaleStrategy: { maxUnavailable: '100%' } },
      { desired: 7, create: 4, reason: undefined },
    ],
    [
      'poolMax caps the new pods',
      { schedulable: ready('r', 5), allocated: ['r-0', 'r-1', 'r-2', 'r-3', 'r-4'], scaleStrategy: { maxUnavailable: 10 } },
      { desired: 8, create: 1, reason: 'PoolMax' },
    ],
    [
      'evicted pods still count against poolMax',
      { schedulable: ready('r', 2), total: 6, allocated: ['r-0', 'r-1'] },
      { desired: 5, create: 0, reason: 'PoolMax' },
    ],
    [
      'an integer maxUnavailable is absolute',
      { capacity: { ...EXAMPLE, poolMax: 20 }, schedulable: [], supply: 7, scaleStrategy: { maxUnavailable: 4 } },
      { desired: 10, create: 4, reason: 'MaxUnavailable' },
    ],
    [
      'not-ready allocated pods use up the warming budget too',
      // buffer 1 => desired 5 => short of 2, but ceil(25% of 5) = 2 pods are already warming.
      { capacity: { ...EXAMPLE, poolMax: 20 }, schedulable: [...ready('r', 1), ...warming('w', 2)], allocated: ['w-0', 'w-1'] },
      { desired: 5, create: 0, reason: 'MaxUnavailable' },
    ],
    [
      'B6 fix: ledger entries of pods that are gone do not shrink the buffer',
      { schedulable: ready('r', 3), allocated: ['gone-0', 'gone-1', 'gone-2'] },
      { desired: 3, create: 0, reason: undefined },
    ],
  ])('%s', (_, row, expected) => {
    const result = plan(row);
    expect({ desired: result.desired, create: result.create, reason: result.reason }).toEqual(expected);
  });
});

describe('planPoolScale: scale-down', () => {
  const old = ready('old', 3, 0); // created at minutes 0, 1, 2
  const fresh = ready('new', 5, 10); // created at minutes 10..14

  it.each<[string, Row, string[]]>([
    ['a buffer above bufferMax shrinks to the middle, oldest idle first', { schedulable: [...fresh, ...old] }, ['old-0', 'old-1', 'old-2', 'new-0', 'new-1']],
    ['allocated pods are never picked, however old', { schedulable: [...fresh, ...old], allocated: ['old-0', 'old-1'] }, ['old-2', 'new-0', 'new-1']],
    ['toDelete goes even when the size is right', { schedulable: ready('r', 4), toDelete: ['r-3'] }, ['r-3']],
    [
      // As upstream, the rollout's deletions stay in `schedulable` and its replacements in `supply`:
      // desired = 0 + 2 + 3 = 5, so 3 more go and 3 idle pods remain.
      'rollout deletions first, then scale-in among the remaining idle pods',
      { schedulable: [...fresh, ...old], supply: 2, toDelete: ['new-4', 'old-1'] },
      ['new-4', 'old-1', 'old-0', 'old-2', 'new-0'],
    ],
    ['toDelete is deduplicated and pods no longer schedulable are skipped', { schedulable: ready('r', 3), toDelete: ['r-0', 'r-0', 'gone'] }, ['r-0']],
    [
      'equal creation times are broken by name',
      {
        capacity: { bufferMin: 0, bufferMax: 0, poolMin: 0, poolMax: 6 },
        schedulable: ['c', 'a', 'b'].map((n) => aPod(n).inPool('p').ready().digest()),
      },
      ['a', 'b', 'c'],
    ],
  ])('%s', (_, row, expected) => {
    const result = plan(row);
    expect(result.deletePods).toEqual(expected);
    expect(result.create).toBe(0);
  });

  it('creates and deletes in one round when a rollout replaces a pod', () => {
    // 3 idle old-revision pods, the rollout deletes one and asks for one replacement.
    const result = plan({ schedulable: ready('r', 3), supply: 1, toDelete: ['r-0'], scaleStrategy: { maxUnavailable: 1 } });
    expect(result).toEqual({ desired: 4, create: 1, deletePods: ['r-0'] });
  });

  it('is a function of the pods, not of their order', () => {
    const pods = [...fresh, ...old];
    expect(plan({ schedulable: [...pods].reverse() })).toEqual(plan({ schedulable: pods }));
  });
});
