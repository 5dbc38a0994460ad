import { describe, expect, it } from '@jest/globals';
import { LABELS } from '../../api/v1alpha1/contract.js';
import type { PoolStatus } from '../../api/v1alpha1/pool.js';
import { defaultEvictionHandler } from '../../planners/pool/pool-eviction.js';
import { computePoolStatus, lastWrittenStatusHolds, poolStatusChanged, STATUS_SETTLE_MS } from '../../planners/pool/pool-status.js';
import { aPod } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

const REV = 'rev1';
const pod = (name: string, revision = REV) => aPod(name).inPool('p', revision);

function status(pods: PodDigest[], allocated: string[] = [], generation?: number): PoolStatus {
  return computePoolStatus({ generation, revision: REV, pods, allocatedPodNames: allocated, handler: defaultEvictionHandler });
}

describe('computePoolStatus', () => {
  it.each<[string, PodDigest[], string[], Omit<PoolStatus, 'observedGeneration' | 'revision'>]>([
    ['an empty pool', [], [], { total: 0, allocated: 0, available: 0, updated: 0 }],
    [
      'steady: available + allocated == total',
      [pod('a').ready().digest(), pod('b').ready().digest(), pod('c').ready().digest()],
      ['a'],
      { total: 3, allocated: 1, available: 2, updated: 3 },
    ],
    ['a warming pod counts in total only', [pod('a').ready().digest(), pod('w').digest()], [], { total: 2, allocated: 0, available: 1, updated: 2 }],
    [
      'terminating pods are left out',
      [pod('a').ready().digest(), pod('t').ready().terminating().digest()],
      ['t'],
      { total: 1, allocated: 0, available: 1, updated: 1 },
    ],
    [
      'an evicting idle pod counts in total, not in available',
      [pod('a').ready().digest(), pod('e').ready().label(LABELS.evict, '').digest()],
      [],
      { total: 2, allocated: 0, available: 1, updated: 2 },
    ],
    [
      'a protected (allocated, evicting) pod counts as allocated',
      [pod('e').ready().label(LABELS.evict, '').digest()],
      ['e'],
      { total: 1, allocated: 1, available: 0, updated: 1 },
    ],
    [
      'an idle old-revision pod is not available (it is never allocated) nor updated',
      [pod('a').ready().digest(), pod('o', 'rev0').ready().digest(), pod('x', 'rev0').ready().digest()],
      ['x'],
      { total: 3, allocated: 1, available: 1, updated: 1 },
    ],
    [
      'B6 fix: ledger entries of pods that are gone are not allocated',
      [pod('a').ready().digest()],
      ['gone-1', 'gone-2'],
      { total: 1, allocated: 0, available: 1, updated: 1 },
    ],
  ])('%s', (_, pods, allocated, expected) => {
    expect(status(pods, allocated, 3)).toEqual({ observedGeneration: 3, revision: REV, ...expected, conditions: [] });
  });

  it('omits observedGeneration when the generation is unknown', () => {
    expect(status([])).toEqual({ revision: REV, total: 0, allocated: 0, available: 0, updated: 0, conditions: [] });
  });
});

describe('poolStatusChanged', () => {
  const current: PoolStatus = { observedGeneration: 3, revision: REV, total: 3, allocated: 1, available: 2, updated: 3 };

  it.each<[string, PoolStatus | undefined, PoolStatus, boolean]>([
    ['no status yet', undefined, current, true],
    ['the same status', current, { ...current }, false],
    ['the same status, keys in another order', current, { updated: 3, available: 2, allocated: 1, total: 3, revision: REV, observedGeneration: 3 }, false],
    ['a new generation', current, { ...current, observedGeneration: 4 }, true],
    ['a new revision', current, { ...current, revision: 'rev2' }, true],
    ['another total', current, { ...current, total: 4 }, true],
    ['another allocated', current, { ...current, allocated: 2 }, true],
    ['another available', current, { ...current, available: 1 }, true],
    ['another updated', current, { ...current, updated: 2 }, true],
    ['updated appears', { ...current, updated: undefined }, current, true],
  ])('%s', (_, before, after, expected) => {
    expect(poolStatusChanged(before, after)).toBe(expected);
  });
});

describe('lastWrittenStatusHolds', () => {
  const written = { status: { observedGeneration: 1, revision: REV, total: 3, allocated: 2, available: 1, updated: 3 }, at: 10_000 };
  const replaced = { ...written.status, allocated: 0, available: 2, total: 2 };
  const later = written.at + STATUS_SETTLE_MS;

  it('is forgotten when, well after the write, the cluster shows another status (so it is written again)', () => {
    expect(lastWrittenStatusHolds(written, replaced, later)).toBeUndefined();
  });

  it('holds while the cluster shows it', () => {
    expect(lastWrittenStatusHolds(written, { ...written.status }, later + 60_000)).toBe(written);
  });

  it('holds just after the write, whatever a lagging cache shows', () => {
    expect(lastWrittenStatusHolds(written, replaced, later - 1)).toBe(written);
  });

  it('holds when the observation has no status', () => {
    expect(lastWrittenStatusHolds(written, undefined, later)).toBe(written);
  });

  it('stays unknown when nothing was written yet', () => {
    expect(lastWrittenStatusHolds(undefined, replaced, later)).toBeUndefined();
  });
});

describe('poolStatusChanged and conditions', () => {
  const base = { revision: REV, total: 1, allocated: 0, available: 1, updated: 1 };
  const failure = (message: string, at: string) => ({
    type: 'ReplicaFailure' as const,
    status: 'True' as const,
    reason: 'FailedCreate',
    message,
    lastTransitionTime: at,
  });

  it('writes a condition that starts or stops holding, or whose message changes', () => {
    expect(poolStatusChanged({ ...base, conditions: [] }, { ...base, conditions: [failure('quota', '2026-01-01T00:00:00Z')] })).toBe(true);
    expect(poolStatusChanged({ ...base, conditions: [failure('quota', '2026-01-01T00:00:00Z')] }, { ...base, conditions: [] })).toBe(true);
    expect(
      poolStatusChanged(
        { ...base, conditions: [failure('quota', '2026-01-01T00:00:00Z')] },
        { ...base, conditions: [failure('banana', '2026-01-01T00:00:00Z')] },
      ),
    ).toBe(true);
  });

  it('does not rewrite a status for a refusal seen again (only its time moved), nor for an absent vs empty list', () => {
    expect(
      poolStatusChanged(
        { ...base, conditions: [failure('quota', '2026-01-01T00:00:00Z')] },
        { ...base, conditions: [failure('quota', '2026-01-01T00:00:30Z')] },
      ),
    ).toBe(false);
    expect(poolStatusChanged(base, { ...base, conditions: [] })).toBe(false);
  });
});
