import { describe, expect, it } from '@jest/globals';
import type { Pool } from '../../api/v1alpha1/pool.js';
import type { PodDigest, PoolObservation } from '../../planners/pool/pool-observation.js';
import { applyChanges, changesSince, EMPTY_OBSERVATION, versionsOf } from '../../planners/pool/pool-observation-changes.js';
import { aPool } from '../builders/pool.js';
import { sandboxView } from '../builders/sandbox-view.js';

const pod = (name: string, resourceVersion: string, extra: Partial<PodDigest> = {}): PodDigest => ({ name, resourceVersion, phase: 'Running', ...extra });
const poolAt = (resourceVersion: string, pool: Pool = aPool('pool').build()) => ({
  object: { ...pool, metadata: { ...pool.metadata, resourceVersion } },
  revision: 'r1',
});

const before: PoolObservation = {
  pool: poolAt('10'),
  pods: [pod('p-0', '1'), pod('p-1', '2'), pod('p-2', '3')],
  sandboxes: [sandboxView('a', { resourceVersion: '4' }), sandboxView('b', { resourceVersion: '5' })],
};

/** What the workflow holds after applying the changes the activity sends for `current`. */
const roundTrip = (previous: PoolObservation, current: PoolObservation) =>
  applyChanges(previous, JSON.parse(JSON.stringify(changesSince(versionsOf(previous), current))));

describe('incremental pool observations', () => {
  it('send nothing for an unchanged pool, and the workflow keeps what it had', () => {
    const changes = changesSince(versionsOf(before), before);
    expect(changes).toEqual({ pods: { changed: [], removed: [] }, sandboxes: { changed: [], removed: [] } });
    expect(applyChanges(before, changes)).toEqual(before);
  });

  it('send the count of sandboxes waiting in other pools every time, as it is now (not a change)', () => {
    const counted = { ...before, waitingInOtherPools: 40 };
    expect(changesSince(versionsOf(before), counted).waitingInOtherPools).toBe(40);
    expect(roundTrip(before, counted)).toEqual(counted);
    expect(roundTrip(counted, { ...before, waitingInOtherPools: 0 })).toEqual({ ...before, waitingInOtherPools: 0 });
    // An activity from before the count: the workflow holds none, not the last one it had.
    expect(roundTrip(counted, before)).toEqual(before);
  });

  it('send only the objects whose resourceVersion moved, and the names of those gone', () => {
    const current: PoolObservation = {
      pool: poolAt('10'),
      pods: [pod('p-0', '1'), pod('p-2', '7', { ip: '10.0.0.2' }), pod('p-3', '8')],
      sandboxes: [sandboxView('b', { resourceVersion: '9', allocated: ['p-2'] }), sandboxView('c', { resourceVersion: '6' })],
    };
    const changes = changesSince(versionsOf(before), current);
    expect(changes.pool).toBeUndefined();
    expect(changes.pods).toEqual({ changed: [pod('p-2', '7', { ip: '10.0.0.2' }), pod('p-3', '8')], removed: ['p-1'] });
    expect(changes.sandboxes.changed.map((s) => s.name)).toEqual(['b', 'c']);
    expect(changes.sandboxes.removed).toEqual(['a']);
    expect(roundTrip(before, current)).toEqual(current);
  });

  it('keep each object where it was and put new ones last, as a list returns them (pods go out in list order)', () => {
    const current: PoolObservation = { ...before, pods: [pod('p-0', '1'), pod('p-1', '9'), pod('p-2', '3'), pod('p-5', '11')] };
    expect(roundTrip(before, current).pods.map((p) => p.name)).toEqual(['p-0', 'p-1', 'p-2', 'p-5']);
  });

  it('start from nothing: the first round sends the whole pool', () => {
    const changes = changesSince(versionsOf(EMPTY_OBSERVATION), before);
    expect(changes.pool).toEqual({ value: before.pool });
    expect(changes.pods.changed).toHaveLength(3);
    expect(applyChanges(EMPTY_OBSERVATION, changes)).toEqual(before);
  });

  it('send the Pool when it changed, and say so when it is gone', () => {
    const updated = { ...before, pool: poolAt('12') };
    expect(changesSince(versionsOf(before), updated).pool).toEqual({ value: updated.pool });
    const gone: PoolObservation = { pool: undefined, pods: [], sandboxes: [] };
    const changes = JSON.parse(JSON.stringify(changesSince(versionsOf(before), gone)));
    expect(changes.pool).toEqual({});
    expect(applyChanges(before, changes)).toEqual(gone);
  });

  it('send every pod again when the Pool starts or stops recycling by Restart (their digests change shape)', () => {
    const restarting = { ...before, pool: poolAt('13', aPool('pool').recycle('Restart').build()) };
    expect(changesSince(versionsOf(before), restarting).pods.changed).toHaveLength(3);
    expect(changesSince(versionsOf(restarting), before).pods.changed).toHaveLength(3);
    expect(changesSince(versionsOf(restarting), restarting).pods.changed).toHaveLength(0);
  });
});
