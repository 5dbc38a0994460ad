// The Events a pool round plans: who they are about, their type and reason, and that bulk actions stay one
// event per round.
import { describe, expect, it } from '@jest/globals';
import { allocationEvents, driftEvent, nameList, shortfallEvent, upkeepEvents } from '../../planners/pool/pool-events.js';
import type { PoolRoundPlan } from '../../planners/pool/pool-round.js';
import { aPool } from '../builders/pool.js';
import { sandboxView } from '../builders/sandbox-view.js';

const pool = aPool('p', 'ns').capacity({ poolMax: 5 }).build();
const poolRef = { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'Pool', metadata: { name: 'p', namespace: 'ns', uid: 'uid-p' } };

function roundPlan(overrides: Partial<PoolRoundPlan> = {}): PoolRoundPlan {
  return {
    evict: [],
    release: { deletePods: [], restart: [], restartFailures: [], records: [], ledgerAfter: {} },
    scale: { create: [], deletePods: [] },
    staleLabels: [],
    nextOrdinal: 0,
    status: { total: 0, allocated: 0, available: 0 } as PoolRoundPlan['status'],
    warnings: [],
    refillDeferred: false,
    ...overrides,
  };
}

describe('nameList', () => {
  it.each([
    { names: [], text: '' },
    { names: ['a', 'b'], text: 'a, b' },
    { names: Array.from({ length: 12 }, (_, i) => `p${i}`), text: 'p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 2 more' },
  ])('$names.length names', ({ names, text }) => expect(nameList(names)).toBe(text));
});

describe('allocationEvents', () => {
  it('one Normal Allocated event on each sandbox that got new pods, none for a redelivery', () => {
    const sandboxes = [sandboxView('a'), sandboxView('b')];
    const events = allocationEvents(
      pool,
      [
        { sandbox: 'a', allocStatus: ['p1', 'p2'], newPods: ['p1', 'p2'] },
        { sandbox: 'b', allocStatus: ['p3'], newPods: [] },
      ],
      sandboxes,
    );
    expect(events).toEqual([
      {
        object: { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'BatchSandbox', metadata: { name: 'a', namespace: 'ns', uid: 'uid-a' } },
        type: 'Normal',
        reason: 'Allocated',
        message: 'Allocated 2 pod(s) from Pool p: p1, p2',
      },
    ]);
  });
});

describe('shortfallEvent', () => {
  it.each([
    { name: 'no shortfall: nothing', previous: 0, shortfall: 0, total: 1, expected: [] },
    { name: 'a shortage that goes on: nothing more', previous: 2, shortfall: 3, total: 1, expected: [] },
    { name: 'a shortage starts while the pool can grow: Normal Shortfall', previous: 0, shortfall: 2, total: 3, expected: [['Normal', 'Shortfall']] },
    { name: 'a shortage starts at poolMax: Warning PoolExhausted', previous: 0, shortfall: 2, total: 5, expected: [['Warning', 'PoolExhausted']] },
  ])('$name', ({ previous, shortfall, total, expected }) => {
    const events = shortfallEvent(pool, previous, shortfall, total);
    expect(events.map((e) => [e.type, e.reason])).toEqual(expected);
    for (const e of events) expect(e.object).toEqual(poolRef);
  });
});

describe('upkeepEvents', () => {
  it('PodEvicted per evicted pod (as upstream), one event per bulk create, delete and release', () => {
    const events = upkeepEvents(
      pool,
      roundPlan({
        evict: ['e1', 'e2'],
        release: { deletePods: ['r1'], restart: [], restartFailures: [], records: [{ sandbox: 'bs', pods: ['r1'], final: true, reused: [] }], ledgerAfter: {} },
        scale: { create: ['c1', 'c2', 'c3'], deletePods: ['d1'] },
        warnings: ['unknown eviction handler "x": using the default'],
      }),
    );
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ['Warning', 'InvalidEvictionHandler', 'unknown eviction handler "x": using the default'],
      ['Normal', 'PodEvicted', 'Evicted idle pod: e1'],
      ['Normal', 'PodEvicted', 'Evicted idle pod: e2'],
      ['Normal', 'Recycled', 'Recycled 1 pod(s) released by BatchSandbox bs (strategy Delete): deleted r1'],
      ['Normal', 'SuccessfulCreate', 'Created 3 pool pod(s): c1, c2, c3'],
      ['Normal', 'SuccessfulDelete', 'Deleted 1 idle pool pod(s) (template rollout or scale-down): d1'],
    ]);
  });

  it('a Noop release is back in the pool; a round with nothing done has no events', () => {
    const noop = aPool('p', 'ns').recycle('Noop').build();
    const events = upkeepEvents(
      noop,
      roundPlan({
        release: {
          deletePods: [],
          restart: [],
          restartFailures: [],
          records: [{ sandbox: 'bs', pods: ['r1'], final: false, reused: ['r1'] }],
          ledgerAfter: {},
        },
      }),
    );
    expect(events.map((e) => e.message)).toEqual(['Recycled 1 pod(s) released by BatchSandbox bs (strategy Noop): back in the pool']);
    expect(upkeepEvents(pool, roundPlan())).toEqual([]);
  });
});

describe('driftEvent', () => {
  it('one Warning on the pool naming each pod and what was done', () => {
    const events = driftEvent(pool, [
      { kind: 'untracked', pod: 'p1', claimedBy: 'a' },
      { kind: 'conflict', pod: 'p2', claimedBy: 'b', ledgerOwner: 'c' },
    ]);
    expect(events).toEqual([
      {
        object: poolRef,
        type: 'Warning',
        reason: 'LedgerDrift',
        message: 'Allocation annotations disagree with the pool ledger for 2 pod(s): p1 (claimed by a, adopted), p2 (claimed by b, ledger owner c)',
      },
    ]);
    expect(driftEvent(pool, [])).toEqual([]);
  });
});
