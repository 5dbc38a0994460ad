// Pool pods the pool workflow created or deleted that its observation does not show yet. Observations come
// from an informer cache, which under load lags the API by seconds: a round sized the pool from a cache
// that had not seen the last round's new pods, created as many again, and again - 342 pods in a Pool
// whose poolMax is 100 in the 1,000-sandbox benchmark. Until the cache shows them, created pods count as
// Pending pods of the current revision, and deleted ones as terminating (never handed out again). A write
// the cache never shows (a pod deleted from outside right after its create) is forgotten after
// POD_WRITE_MEMORY_ROUNDS rounds; a run that continues as new hands the writes on (carriedPodWrites).
// Rounds, not workflow time: a round's clock after a local activity that
// outlived its workflow task reads differently on replay, and a decision taken on it would not replay.
import type { PodDigest } from './pool-observation.js';

/** How many rounds a write is overlaid at most: by then the cache has caught up or the object is gone. */
export const POD_WRITE_MEMORY_ROUNDS = 30;

/** Pod name -> the round that made the write. */
export interface PodWritesInFlight {
  created: Record<string, number>;
  deleted: Record<string, number>;
}

export const NO_POD_WRITES: PodWritesInFlight = { created: {}, deleted: {} };

export const hasPodWrites = (writes: PodWritesInFlight): boolean => Object.keys(writes.created).length > 0 || Object.keys(writes.deleted).length > 0;

/** `writes` with `names` added as written in `round`. */
export function withPodWrites(writes: PodWritesInFlight, kind: keyof PodWritesInFlight, names: readonly string[], round: number): PodWritesInFlight {
  if (names.length === 0) return writes;
  return { ...writes, [kind]: { ...writes[kind], ...Object.fromEntries(names.map((name) => [name, round])) } };
}

/**
 * The observed pods in `round` with the writes they do not show yet overlaid (`revision`: the template new
 * pods were created from), and the writes still not shown. A created pod has no creation time yet (it
 * counts as the newest); a deleted one is terminating since an unknown time ('').
 */
export function overlayPodWrites(
  pods: readonly PodDigest[],
  writes: PodWritesInFlight,
  revision: string | undefined,
  round: number,
): { pods: PodDigest[]; stillPending: PodWritesInFlight } {
  const observed = new Map(pods.map((pod) => [pod.name, pod]));
  const remembered = (at: number) => round - at < POD_WRITE_MEMORY_ROUNDS;
  const created = Object.entries(writes.created).filter(([name, at]) => !observed.has(name) && remembered(at));
  const deleted = Object.entries(writes.deleted).filter(([name, at]) => {
    const pod = observed.get(name);
    return pod !== undefined && pod.deletingSince === undefined && remembered(at);
  });
  const deleting = new Set(deleted.map(([name]) => name));
  return {
    pods: [
      ...pods.map((pod) => (deleting.has(pod.name) ? { ...pod, deletingSince: '' } : pod)),
      ...created.map(([name]) => ({ name, phase: 'Pending', ...(revision === undefined ? {} : { revision }) })),
    ],
    stillPending: { created: Object.fromEntries(created), deleted: Object.fromEntries(deleted) },
  };
}

/**
 * `writes` as the next run (continue-as-new) counts them: its rounds start again from 0, so each write's
 * round moves back by the `rounds` this run made and keeps its age (a write made in this run's last round
 * is one round old in the next run's first).
 */
export function carriedPodWrites(writes: PodWritesInFlight, rounds: number): PodWritesInFlight {
  const rebase = (byName: Record<string, number>) => Object.fromEntries(Object.entries(byName).map(([name, at]) => [name, at - rounds]));
  return { created: rebase(writes.created), deleted: rebase(writes.deleted) };
}
