// Pool pods the pool workflow created or deleted that its observation does not show yet. Observations come
// from an informer cache, which under load lags the API by seconds: a round sized the pool from a cache
// that had not seen the last round's new pods, created as many again, and again - 342 pods in a Pool
// whose poolMax is 100 in the 1,000-sandbox benchmark. Until the cache shows them, created pods count as
// Pending pods of the current revision, and deleted ones as terminating (never handed out again). A write
// the cache never shows (a pod deleted from outside right after its create) is forgotten after
// POD_WRITE_MEMORY_MS.
import type { PodDigest } from './pool-observation.js';

/** How long a write is overlaid at most: by then the cache has caught up or the object is gone. */
export const POD_WRITE_MEMORY_MS = 60_000;

/** Pod name -> workflow time (ms) of the write. */
export interface PodWritesInFlight {
  created: Record<string, number>;
  deleted: Record<string, number>;
}

export const NO_POD_WRITES: PodWritesInFlight = { created: {}, deleted: {} };

/** `writes` with `names` added as written at `now`. */
export function withPodWrites(writes: PodWritesInFlight, kind: keyof PodWritesInFlight, names: readonly string[], now: number): PodWritesInFlight {
  if (names.length === 0) return writes;
  return { ...writes, [kind]: { ...writes[kind], ...Object.fromEntries(names.map((name) => [name, now])) } };
}

/**
 * The observed pods with the writes they do not show yet overlaid (`revision`: the template new pods
 * were created from), and the writes still not shown.
 */
export function overlayPodWrites(
  pods: readonly PodDigest[],
  writes: PodWritesInFlight,
  revision: string | undefined,
  now: number,
): { pods: PodDigest[]; stillPending: PodWritesInFlight } {
  const observed = new Map(pods.map((pod) => [pod.name, pod]));
  const remembered = (at: number) => now - at < POD_WRITE_MEMORY_MS;
  const created = Object.entries(writes.created).filter(([name, at]) => !observed.has(name) && remembered(at));
  const deleted = Object.entries(writes.deleted).filter(([name, at]) => {
    const pod = observed.get(name);
    return pod !== undefined && pod.deletingSince === undefined && remembered(at);
  });
  const deleting = new Map(deleted);
  const createdAt = (at: number) => new Date(at).toISOString();
  return {
    pods: [
      ...pods.map((pod) => {
        const at = deleting.get(pod.name);
        return at === undefined ? pod : { ...pod, deletingSince: createdAt(at) };
      }),
      ...created.map(([name, at]) => ({ name, createdAt: createdAt(at), phase: 'Pending', ...(revision === undefined ? {} : { revision }) })),
    ],
    stillPending: { created: Object.fromEntries(created), deleted: Object.fromEntries(deleted) },
  };
}
