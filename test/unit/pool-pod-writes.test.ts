import { describe, expect, it } from '@jest/globals';
import {
  carriedPodWrites,
  hasPodWrites,
  NO_POD_WRITES,
  overlayPodWrites,
  POD_WRITE_MEMORY_ROUNDS,
  withPodWrites,
} from '../../planners/pool/pool-pod-writes.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';

const ROUND = 40;
const running = (name: string): PodDigest => ({ name, revision: 'rev1', phase: 'Running', readySince: '2026-01-01T00:00:00Z' });

describe('pod writes the observation does not show yet', () => {
  it('counts a created pod the cache has not seen as a Pending pod of the current revision, until it is seen', () => {
    const writes = withPodWrites(NO_POD_WRITES, 'created', ['p-1', 'p-2'], ROUND - 1);
    const unseen = overlayPodWrites([running('p-0')], writes, 'rev2', ROUND);
    expect(unseen.pods).toEqual([running('p-0'), { name: 'p-1', phase: 'Pending', revision: 'rev2' }, { name: 'p-2', phase: 'Pending', revision: 'rev2' }]);
    expect(Object.keys(unseen.stillPending.created)).toEqual(['p-1', 'p-2']);
    const seen = overlayPodWrites([running('p-0'), running('p-1')], unseen.stillPending, 'rev2', ROUND);
    expect(seen.pods.map((p) => p.name)).toEqual(['p-0', 'p-1', 'p-2']);
    expect(Object.keys(seen.stillPending.created)).toEqual(['p-2']);
  });

  it('shows a deleted pod the cache still lists as terminating, so it is not handed out, until the cache shows it going or gone', () => {
    const writes = withPodWrites(NO_POD_WRITES, 'deleted', ['p-0', 'p-1'], ROUND - 1);
    const unseen = overlayPodWrites([running('p-0'), running('p-1')], writes, 'rev1', ROUND);
    expect(unseen.pods).toEqual([
      { ...running('p-0'), deletingSince: '' },
      { ...running('p-1'), deletingSince: '' },
    ]);
    const going = { ...running('p-0'), deletingSince: '2026-01-01T01:00:00Z' };
    const seen = overlayPodWrites([going], unseen.stillPending, 'rev1', ROUND);
    expect(seen.pods).toEqual([going]);
    expect(seen.stillPending).toEqual(NO_POD_WRITES);
  });

  it('forgets a write the cache never shows after a while (a pod deleted from outside right after its create)', () => {
    const writes = withPodWrites(
      withPodWrites(NO_POD_WRITES, 'created', ['p-1'], ROUND - POD_WRITE_MEMORY_ROUNDS),
      'deleted',
      ['p-0'],
      ROUND - POD_WRITE_MEMORY_ROUNDS,
    );
    const later = overlayPodWrites([running('p-0')], writes, 'rev1', ROUND);
    expect(later.pods).toEqual([running('p-0')]);
    expect(later.stillPending).toEqual(NO_POD_WRITES);
  });

  it('says whether any write is remembered', () => {
    expect(hasPodWrites(NO_POD_WRITES)).toBe(false);
    expect(hasPodWrites(withPodWrites(NO_POD_WRITES, 'created', ['p-0'], ROUND))).toBe(true);
    expect(hasPodWrites(withPodWrites(NO_POD_WRITES, 'deleted', ['p-0'], ROUND))).toBe(true);
  });

  it('hands writes on to the next run at their age: overlaid in its first rounds, forgotten when they would have been', () => {
    const lastRound = 500;
    const writes = withPodWrites(withPodWrites(NO_POD_WRITES, 'created', ['p-1'], lastRound), 'deleted', ['p-0'], lastRound - 10);
    const carried = carriedPodWrites(writes, lastRound);

    const first = overlayPodWrites([running('p-0')], carried, 'rev1', 1);
    expect(first.pods).toEqual([
      { ...running('p-0'), deletingSince: '' },
      { name: 'p-1', phase: 'Pending', revision: 'rev1' },
    ]);
    expect(first.stillPending).toEqual(carried);

    const deletionForgotten = overlayPodWrites([running('p-0')], carried, 'rev1', POD_WRITE_MEMORY_ROUNDS - 10);
    expect(Object.keys(deletionForgotten.stillPending.deleted)).toEqual([]);
    expect(Object.keys(deletionForgotten.stillPending.created)).toEqual(['p-1']);
    expect(overlayPodWrites([running('p-0')], carried, 'rev1', POD_WRITE_MEMORY_ROUNDS).stillPending).toEqual(NO_POD_WRITES);
  });
});
