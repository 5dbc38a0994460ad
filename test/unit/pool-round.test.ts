import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { overlayLandedWrites, planAllocation, type Ledger } from '../../planners/allocation.js';
import { defaultEvictionHandler, isAllocatable } from '../../planners/pool-eviction.js';
import type { PoolSnapshot } from '../../planners/pool-observation.js';
import { planPoolRound, poolPodName, upkeepNeeded } from '../../planners/pool-round.js';
import { aPod } from '../builders/pod.js';
import { aPool, type PoolBuilder } from '../builders/pool.js';
import { sandboxView } from '../builders/sandbox-view.js';

const NOW = new Date('2026-01-01T01:00:00Z');
const REV = 'rev1';
const ready = (name: string) => aPod(name).inPool('p', REV).ready().build();

function round(pool: PoolBuilder, pods: V1Pod[], sandboxes: PoolSnapshot['sandboxes'], ledger: Ledger, nextOrdinal = 0) {
  const snapshot = { pool: { object: pool.build(), revision: REV }, pods, sandboxes };
  const allocation = planAllocation({
    ledger,
    pods,
    sandboxes,
    allocatable: (pod) => isAllocatable(pod, REV, defaultEvictionHandler),
  });
  return { allocation, plan: planPoolRound({ observation: snapshot, allocation, nextOrdinal, now: NOW }) };
}

describe('planPoolRound', () => {
  it('warms an empty pool to its buffer with deterministic pod names', () => {
    const { plan } = round(aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 5 }).scaleMaxUnavailable('100%'), [], [], {}, 7);
    expect(plan.scale.create).toEqual([poolPodName('p', 'uid-p', 7), poolPodName('p', 'uid-p', 8)]);
    expect(plan.nextOrdinal).toBe(9);
    expect(plan.status).toMatchObject({ total: 0, allocated: 0, available: 0, revision: REV });
  });

  it('names new pods past the ordinals existing pods carry (a workflow started afresh counts from 0)', () => {
    const existing = [0, 1, 11].map((n) => ready(poolPodName('p', 'uid-p', n)));
    const { plan } = round(aPool('p').capacity({ bufferMin: 5, bufferMax: 5, poolMin: 0, poolMax: 10 }).scaleMaxUnavailable('100%'), existing, [], {}, 0);
    expect(plan.scale.create).toEqual([poolPodName('p', 'uid-p', 12), poolPodName('p', 'uid-p', 13)]);
    expect(plan.nextOrdinal).toBe(14);
  });

  it('deletes the pods of a deleted sandbox (Delete recycle) without also trimming idle pods for them', () => {
    const pods = ['a', 'b', 'i1', 'i2'].map(ready);
    const { plan } = round(
      aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 10 }),
      pods,
      [sandboxView('gone', { deleting: true, allocated: ['a', 'b'], hasAllocationFinalizer: true })],
      { a: 'gone', b: 'gone' },
    );
    expect(plan.release.deletePods).toEqual(['a', 'b']);
    expect(plan.release.records).toEqual([{ sandbox: 'gone', pods: ['a', 'b'], final: true }]);
    expect(plan.release.ledgerAfter).toEqual({});
    // The two idle pods are exactly the buffer: nothing else is deleted or created.
    expect(plan.scale).toEqual({ create: [], deletePods: [] });
  });

  it('returns released pods to the buffer under Noop recycle', () => {
    const pods = ['a', 'i1'].map(ready);
    const { plan } = round(
      aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 10 }).recycle('Noop'),
      pods,
      [sandboxView('gone', { deleting: true, allocated: ['a'], hasAllocationFinalizer: true })],
      { a: 'gone' },
    );
    expect(plan.release.deletePods).toEqual([]);
    expect(plan.release.records).toEqual([{ sandbox: 'gone', pods: ['a'], final: true }]);
    expect(plan.status).toMatchObject({ total: 2, allocated: 0, available: 2 });
  });

  it('evicts idle pods labelled for eviction but keeps allocated ones', () => {
    const evictIdle = aPod('idle').inPool('p', REV).ready().label('pool.opensandbox.io/evict', 'yes').build();
    const evictBusy = aPod('busy').inPool('p', REV).ready().label('pool.opensandbox.io/evict', 'yes').build();
    const { plan } = round(
      aPool('p').capacity({ bufferMin: 0, bufferMax: 5, poolMin: 0, poolMax: 10 }),
      [evictIdle, evictBusy],
      [sandboxView('s', { allocated: ['busy'] })],
      { busy: 's' },
    );
    expect(plan.evict).toEqual(['idle']);
  });

  it('asks for more pods when allocation falls short', () => {
    const { allocation, plan } = round(
      aPool('p').capacity({ bufferMin: 0, bufferMax: 0, poolMin: 0, poolMax: 10 }).scaleMaxUnavailable('100%'),
      [ready('a')],
      [sandboxView('s', { replicas: 3 })],
      {},
    );
    expect(allocation.shortfall).toBe(2);
    expect(plan.scale.create).toHaveLength(2);
  });

  it('reports an unknown eviction handler as a warning', () => {
    const { plan } = round(aPool('p').label('pool.opensandbox.io/eviction-handler', 'nope'), [], [], {});
    expect(plan.warnings).toEqual([expect.stringContaining('"nope"')]);
  });
});

describe('upkeepNeeded', () => {
  // The pool workflow re-plans after every upkeep; an upkeep that writes nothing must not run, or an idle
  // pool re-plans forever (it did: one observation after another, in workflow tasks of 8 s).
  const settled = () =>
    round(aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 5 }), [ready('a'), ready('b')], [], {}).plan;

  it('is false for a settled pool whose status was already written', () => {
    const plan = settled();
    expect(upkeepNeeded(plan, JSON.stringify(plan.status))).toBe(false);
  });

  it('is true when the status differs from the last one written', () => {
    const plan = settled();
    expect(upkeepNeeded(plan, undefined)).toBe(true);
    expect(upkeepNeeded(plan, JSON.stringify({ ...plan.status, available: 1 }))).toBe(true);
  });

  it.each([
    ['pods to create', { scale: { create: ['p-x'], deletePods: [] } }],
    ['pods to delete', { scale: { create: [], deletePods: ['a'] } }],
    ['pods to evict', { evict: ['a'] }],
    ['releases to record', { release: { deletePods: [], records: [{ sandbox: 's', pods: ['a'], final: true }], ledgerAfter: {} } }],
    ['released pods to delete', { release: { deletePods: ['a'], records: [], ledgerAfter: {} } }],
  ])('is true with %s', (_, change) => {
    const plan = settled();
    expect(upkeepNeeded({ ...plan, ...change }, JSON.stringify(plan.status))).toBe(true);
  });
});

describe('overlayLandedWrites', () => {
  it('adds delivered and released pods a lagging view lacks, and forgets them once visible', () => {
    const landed = { allocStatus: { s: ['a', 'b'] }, released: { s: ['a'] } };
    const stale = overlayLandedWrites([sandboxView('s')], landed);
    expect(stale.sandboxes[0]).toMatchObject({ allocated: ['a', 'b'], released: ['a'] });
    expect(stale.stillPending).toEqual(landed);

    const fresh = overlayLandedWrites([sandboxView('s', { allocated: ['a', 'b'], released: ['a'] })], landed);
    expect(fresh.stillPending).toEqual({ allocStatus: {}, released: {} });
  });

  it('keeps a delivery pending while its pods show but its status does not yet', () => {
    const landed = { allocStatus: { s: ['a'] }, released: {} };
    const result = overlayLandedWrites([sandboxView('s', { allocated: ['a'], status: undefined })], landed);
    expect(result.stillPending).toEqual(landed);
  });

  it('drops writes for sandboxes that are gone', () => {
    const result = overlayLandedWrites([], { allocStatus: { gone: ['a'] }, released: {} });
    expect(result.stillPending).toEqual({ allocStatus: {}, released: {} });
  });
});
