import { describe, expect, it } from '@jest/globals';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { overlayLandedWrites, planAllocation, type Ledger } from '../../planners/pool/allocation.js';
import { defaultEvictionHandler, isAllocatable } from '../../planners/pool/pool-eviction.js';
import type { PoolObservation } from '../../planners/pool/pool-observation.js';
import type { PoolCreateRefusal } from '../../planners/pool/pool-create-refusal.js';
import { planPoolRound, poolPodName, upkeepNeeded } from '../../planners/pool/pool-round.js';
import {
  REFILL_HOLD_BURST,
  REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS,
  REFILL_MAX_HOLD_MS,
  REFILL_SETTLE_MS,
  refillHoldGoesOn,
  startsRefillHold,
} from '../../planners/pool/pool-refill.js';
import { aPod } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';
import { aPool, type PoolBuilder } from '../builders/pool.js';
import { sandboxView } from '../builders/sandbox-view.js';

const NOW = new Date('2026-01-01T01:00:00Z');
const REV = 'rev1';
const ready = (name: string) => aPod(name).inPool('p', REV).ready().digest();

function round(
  pool: PoolBuilder,
  pods: PodDigest[],
  sandboxes: PoolObservation['sandboxes'],
  ledger: Ledger,
  nextOrdinal = 0,
  createRefusal?: PoolCreateRefusal,
  refillHeld?: boolean,
) {
  const snapshot = { pool: { object: pool.build(), revision: REV }, pods, sandboxes };
  const allocation = planAllocation({
    ledger,
    pods,
    sandboxes,
    allocatable: (pod) => isAllocatable(pod, REV, defaultEvictionHandler),
  });
  return { allocation, plan: planPoolRound({ observation: snapshot, allocation, nextOrdinal, now: NOW, createRefusal, refillHeld }) };
}

describe('planPoolRound after the apiserver refused pool pods for good', () => {
  const warming = aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 5 }).scaleMaxUnavailable('100%');
  const refusal = (secondsAgo: number, revision = REV): PoolCreateRefusal => ({
    message: 'Pod "p-x" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "banana"',
    revision,
    at: NOW.getTime() - secondsAgo * 1000,
  });

  it('holds creation back for 30 s, plans a round when it runs out, and says why on the status', () => {
    const { plan } = round(warming, [], [], {}, 0, refusal(10));
    expect(plan.scale.create).toEqual([]);
    expect(plan.recheckAfterMs).toBe(20_000);
    expect(plan.status.conditions).toEqual([
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: 'pool pods cannot be created: Pod "p-x" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "banana"',
        lastTransitionTime: '2026-01-01T00:59:50Z',
      },
    ]);
  });

  it('tries again once the 30 s are over, the condition kept until a create goes through', () => {
    const { plan } = round(warming, [], [], {}, 0, refusal(30));
    expect(plan.scale.create).toHaveLength(2);
    expect(plan.recheckAfterMs).toBeUndefined();
    expect(plan.status.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure' })]);
  });

  it('tries a changed template at once: a refusal of another revision says nothing about it', () => {
    const { plan } = round(warming, [], [], {}, 0, refusal(1, 'older'));
    expect(plan.scale.create).toHaveLength(2);
    expect(plan.status.conditions).toEqual([]);
  });

  it('still recycles and records releases while creation is held back (a broken template blocks no sandbox deletion)', () => {
    const { plan } = round(
      warming,
      ['a'].map(ready),
      [sandboxView('gone', { deleting: true, allocated: ['a'], hasAllocationFinalizer: true })],
      { a: 'gone' },
      0,
      refusal(5),
    );
    expect(plan.release.records).toEqual([{ sandbox: 'gone', pods: ['a'], final: true, reused: [] }]);
    expect(plan.release.deletePods).toEqual(['a']);
    expect(plan.scale.create).toEqual([]);
  });
});

describe('planPoolRound while deliveries go on', () => {
  const buffered = aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 10 }).scaleMaxUnavailable('100%');
  // Two pods just handed to s1: the idle buffer is empty.
  const handedOut = (refillHeld?: boolean) =>
    round(buffered, ['a', 'b'].map(ready), [sandboxView('s1', { allocated: ['a', 'b'], replicas: 2 })], { a: 's1', b: 's1' }, 2, undefined, refillHeld);

  it('holds the buffer refill while the hold lasts (its end starts the next round)', () => {
    const { plan } = handedOut(true);
    expect(plan.scale.create).toEqual([]);
    expect(plan.refillDeferred).toBe(true);
    expect(plan.recheckAfterMs).toBeUndefined();
  });

  it('refills once the hold is over, and in runs that do not hold refills', () => {
    for (const held of [false, undefined]) {
      const { plan } = handedOut(held);
      expect(plan.scale.create).toHaveLength(2);
      expect(plan.refillDeferred).toBe(false);
    }
  });

  it('never holds back pods owed to sandboxes (a shortfall)', () => {
    const { plan } = round(buffered, ['a'].map(ready), [sandboxView('s1', { replicas: 3 })], {}, 1, undefined, true);
    expect(plan.scale.create.length).toBeGreaterThanOrEqual(2);
    expect(plan.refillDeferred).toBe(false);
  });
});

describe('the refill hold', () => {
  it('goes on after a step with deliveries, up to its longest', () => {
    expect(refillHoldGoesOn(true, REFILL_SETTLE_MS, REFILL_MAX_HOLD_MS)).toBe(true);
    expect(refillHoldGoesOn(true, REFILL_MAX_HOLD_MS - REFILL_SETTLE_MS, REFILL_MAX_HOLD_MS)).toBe(true);
    expect(refillHoldGoesOn(true, REFILL_MAX_HOLD_MS, REFILL_MAX_HOLD_MS)).toBe(false);
  });

  it('goes on for at most 5 s in runs from before the longer hold', () => {
    expect(REFILL_MAX_HOLD_MS).toBeGreaterThan(REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS);
    expect(refillHoldGoesOn(true, REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS - REFILL_SETTLE_MS, REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS)).toBe(true);
    expect(refillHoldGoesOn(true, REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS, REFILL_MAX_HOLD_BEFORE_LONGER_HOLD_MS)).toBe(false);
  });

  it('ends after a step without deliveries', () => {
    expect(refillHoldGoesOn(false, REFILL_SETTLE_MS, REFILL_MAX_HOLD_MS)).toBe(false);
  });

  it('starts only after a burst, never for a trickle', () => {
    expect(startsRefillHold(1)).toBe(false);
    expect(startsRefillHold(REFILL_HOLD_BURST - 1)).toBe(false);
    expect(startsRefillHold(REFILL_HOLD_BURST)).toBe(true);
  });
});

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
    expect(plan.release.records).toEqual([{ sandbox: 'gone', pods: ['a', 'b'], final: true, reused: [] }]);
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
    // Back as it is: its allocation label is cleared.
    expect(plan.release.records).toEqual([{ sandbox: 'gone', pods: ['a'], final: true, reused: ['a'] }]);
    expect(plan.status).toMatchObject({ total: 2, allocated: 0, available: 2 });
  });

  it('clears an allocation label left on an idle pod, and only there (issue 13 item 9)', () => {
    const labelled = (name: string, sandbox: string) => aPod(name).inPool('p', REV).ready().label(LABELS.batchSandboxName, sandbox).digest();
    const { plan } = round(
      aPool('p').capacity({ bufferMin: 0, bufferMax: 5, poolMin: 0, poolMax: 10 }).recycle('Noop'),
      // idle: its sandbox was released and deleted, then a retried labelling put the label back;
      // held: labelled for the sandbox the ledger gives it to; released: its release record unlabels it.
      [labelled('idle', 'deleted'), labelled('held', 's'), labelled('released', 'gone')],
      [sandboxView('s', { allocated: ['held'] }), sandboxView('gone', { deleting: true, allocated: ['released'], hasAllocationFinalizer: true })],
      { held: 's', released: 'gone' },
    );
    expect(plan.staleLabels).toEqual([{ pod: 'idle', sandbox: 'deleted' }]);
    expect(upkeepNeeded(plan, { ...plan.status })).toBe(true);
  });

  it('evicts idle pods labelled for eviction but keeps allocated ones', () => {
    const evictIdle = aPod('idle').inPool('p', REV).ready().label('pool.opensandbox.io/evict', 'yes').digest();
    const evictBusy = aPod('busy').inPool('p', REV).ready().label('pool.opensandbox.io/evict', 'yes').digest();
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
  const settled = () => round(aPool('p').capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 5 }), [ready('a'), ready('b')], [], {}).plan;

  it('is false for a settled pool whose status was already written', () => {
    const plan = settled();
    expect(upkeepNeeded(plan, { ...plan.status })).toBe(false);
  });

  it('is true when the status differs from the last one written', () => {
    const plan = settled();
    expect(upkeepNeeded(plan, undefined)).toBe(true);
    expect(upkeepNeeded(plan, { ...plan.status, available: 1 })).toBe(true);
  });

  it.each([
    ['pods to create', { scale: { create: ['p-x'], deletePods: [] } }],
    ['pods to delete', { scale: { create: [], deletePods: ['a'] } }],
    ['pods to evict', { evict: ['a'] }],
    [
      'releases to record',
      { release: { deletePods: [], restart: [], restartFailures: [], records: [{ sandbox: 's', pods: ['a'], final: true, reused: [] }], ledgerAfter: {} } },
    ],
    ['released pods to delete', { release: { deletePods: ['a'], restart: [], restartFailures: [], records: [], ledgerAfter: {} } }],
    [
      'restart attempts to make',
      {
        release: {
          deletePods: [],
          restart: [{ pod: 'a', resourceVersion: '1', record: '{}', containers: ['c'], command: ['kill', '1'] }],
          restartFailures: [],
          records: [],
          ledgerAfter: {},
        },
      },
    ],
  ])('is true with %s', (_, change) => {
    const plan = settled();
    expect(upkeepNeeded({ ...plan, ...change }, plan.status)).toBe(true);
  });
});

describe('planPoolRound: Restart recycle', () => {
  const pool = () => aPool('p').capacity({ bufferMin: 0, bufferMax: 5, poolMin: 0, poolMax: 10 }).recycle('Restart');
  /** A released pod of sandbox `gone` running one container, restart-record as given. */
  const released = (name: string, id = `cri://${name}-1`, record?: object) => {
    const pod = aPod(name).inPool('p', REV).ready().container('sandbox', { id }).resourceVersion(`rv-${name}`);
    if (record) pod.annotation(ANNOTATIONS.restartRecord, JSON.stringify({ id: 'gone', startTime: '2026-01-01T00:59:00Z', ...record }));
    return pod.digest();
  };
  const attemptOne = (name: string) => ({ containers: { sandbox: `cri://${name}-1` }, retryCount: 1, lastRetryTime: '2026-01-01T00:59:50Z' });
  const deleting = (allocated: string[]) => [sandboxView('gone', { deleting: true, allocated, hasAllocationFinalizer: true })];

  type Expected = Partial<Record<'restart' | 'deletePods' | 'records' | 'ledgerAfter' | 'recheckAfterMs' | 'allocated', unknown>>;
  it.each<[string, PodDigest[], Expected]>([
    [
      'first round: records attempt 1 guarded by the observed version, keeps the pod allocated, rechecks after the interval',
      [released('a')],
      {
        restart: [
          {
            pod: 'a',
            resourceVersion: 'rv-a',
            record: JSON.stringify({
              id: 'gone',
              startTime: '2026-01-01T01:00:00Z',
              containers: { sandbox: 'cri://a-1' },
              lastRetryTime: '2026-01-01T01:00:00Z',
              retryCount: 1,
            }),
            containers: ['sandbox'],
            command: ['kill', '1'],
          },
        ],
        deletePods: [],
        records: [],
        ledgerAfter: { a: 'gone' },
        recheckAfterMs: 30_000,
        allocated: 1,
      },
    ],
    [
      'within the retry interval: no attempt, recheck when it runs out',
      [released('a', 'cri://a-1', attemptOne('a'))],
      { restart: [], records: [], ledgerAfter: { a: 'gone' }, recheckAfterMs: 20_000, allocated: 1 },
    ],
    [
      'restarted: released (the sandbox may go), back to the buffer',
      [released('a', 'cri://a-2', attemptOne('a'))],
      {
        restart: [],
        deletePods: [],
        records: [{ sandbox: 'gone', pods: ['a'], final: true, reused: ['a'] }],
        ledgerAfter: {},
        recheckAfterMs: undefined,
        allocated: 0,
      },
    ],
    [
      'retries spent: the pod is deleted and released',
      [released('a', 'cri://a-1', { ...attemptOne('a'), retryCount: 3, lastRetryTime: '2026-01-01T00:59:00Z' })],
      { restart: [], deletePods: ['a'], records: [{ sandbox: 'gone', pods: ['a'], final: true }], ledgerAfter: {} },
    ],
    [
      'one pod restarted, one still restarting: only the first is released, and not finally',
      [released('a', 'cri://a-2', attemptOne('a')), released('b', 'cri://b-1', attemptOne('b'))],
      { restart: [], records: [{ sandbox: 'gone', pods: ['a'], final: false }], ledgerAfter: { b: 'gone' }, recheckAfterMs: 20_000, allocated: 1 },
    ],
  ])('%s', (_, pods, expected) => {
    const names = pods.map((p) => p.name);
    const { plan } = round(pool(), pods, deleting(names), Object.fromEntries(names.map((n) => [n, 'gone'])));
    const { allocated, recheckAfterMs, ...release } = expected;
    expect(plan.release).toMatchObject(release);
    if ('recheckAfterMs' in expected) expect(plan.release.recheckAfterMs).toBe(recheckAfterMs);
    if (allocated !== undefined) expect(plan.status.allocated).toBe(allocated);
  });

  it('a restarting pod is neither evicted nor counted as surplus', () => {
    const pod = aPod('a').inPool('p', REV).ready().container('sandbox').label('pool.opensandbox.io/evict', '').digest();
    const { plan } = round(pool().capacity({ bufferMin: 0, bufferMax: 0 }), [pod], deleting(['a']), { a: 'gone' });
    expect(plan.evict).toEqual([]);
    expect(plan.scale.deletePods).toEqual([]);
    expect(plan.release.restart.map((r) => r.pod)).toEqual(['a']);
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
