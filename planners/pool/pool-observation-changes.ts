// Incremental pool observations. The pool workflow keeps its last observation in its state and asks only
// for what changed since (by resourceVersion): each round's local activity result is recorded in the
// workflow's history and replayed by any replica that takes the workflow over, so a round that recorded
// the whole pool (11 KB median, histories of megabytes) made those take-overs slow (issue 13 item 3).
// Pure: the activity computes the changes against the versions the workflow passes in, the workflow
// applies them.
import type { PodDigest, PoolObservation, SandboxView } from './pool-observation.js';

/** What the workflow's observation holds, as versions: the input of an incremental observation. */
export interface ObservedVersions {
  /** The Pool's resourceVersion; absent when the observation has no Pool. */
  pool?: string;
  /** Whether its pod digests carry restart facts (they do for Restart pools only). */
  restartFacts: boolean;
  /** Pod name -> resourceVersion. */
  pods: Record<string, string>;
  /** Sandbox name -> resourceVersion. */
  sandboxes: Record<string, string>;
}

/** The difference between two observations; `pool` only when it changed (`value` absent: the Pool is gone). */
export interface PoolObservationChanges {
  pool?: { value?: PoolObservation['pool'] };
  pods: { changed: PodDigest[]; removed: string[] };
  sandboxes: { changed: SandboxView[]; removed: string[] };
  /** Not a change: the current count, whenever the observation has one. */
  waitingInOtherPools?: number;
}

export const EMPTY_OBSERVATION: PoolObservation = { pool: undefined, pods: [], sandboxes: [] };

export function versionsOf(observation: PoolObservation): ObservedVersions {
  const pool = observation.pool?.object.metadata?.resourceVersion;
  return {
    ...(pool === undefined ? {} : { pool }),
    restartFacts: carriesRestartFacts(observation),
    pods: Object.fromEntries(observation.pods.map((p) => [p.name, p.resourceVersion ?? ''])),
    sandboxes: Object.fromEntries(observation.sandboxes.map((s) => [s.name, s.resourceVersion])),
  };
}

/** What changed in `current` since an observation with `known` versions. */
export function changesSince(known: ObservedVersions, current: PoolObservation): PoolObservationChanges {
  const poolVersion = current.pool?.object.metadata?.resourceVersion;
  const poolChanged = current.pool === undefined ? known.pool !== undefined : poolVersion === undefined || poolVersion !== known.pool;
  // A Pool that changed its recycle strategy changes every pod's digest, whatever the pod's version.
  const allPods = carriesRestartFacts(current) !== known.restartFacts;
  return {
    ...(poolChanged ? { pool: current.pool === undefined ? {} : { value: current.pool } } : {}),
    pods: {
      changed: current.pods.filter((p) => allPods || known.pods[p.name] !== (p.resourceVersion ?? '')),
      removed: removedNames(
        known.pods,
        current.pods.map((p) => p.name),
      ),
    },
    sandboxes: {
      changed: current.sandboxes.filter((s) => known.sandboxes[s.name] !== s.resourceVersion),
      removed: removedNames(
        known.sandboxes,
        current.sandboxes.map((s) => s.name),
      ),
    },
    ...(current.waitingInOtherPools === undefined ? {} : { waitingInOtherPools: current.waitingInOtherPools }),
  };
}

/**
 * `previous` with `changes` applied: objects keep their place, changed ones are replaced where they were,
 * new ones come last (as an informer's list would return them: pods are handed out in list order).
 */
export function applyChanges(previous: PoolObservation, changes: PoolObservationChanges): PoolObservation {
  return {
    pool: changes.pool ? changes.pool.value : previous.pool,
    pods: merged(previous.pods, changes.pods.changed, changes.pods.removed, (p) => p.name),
    sandboxes: merged(previous.sandboxes, changes.sandboxes.changed, changes.sandboxes.removed, (s) => s.name),
    ...(changes.waitingInOtherPools === undefined ? {} : { waitingInOtherPools: changes.waitingInOtherPools }),
  };
}

function carriesRestartFacts(observation: PoolObservation): boolean {
  return observation.pool?.object.spec?.recycleStrategy?.type === 'Restart';
}

function removedNames(known: Record<string, string>, current: string[]): string[] {
  const present = new Set(current);
  return Object.keys(known).filter((name) => !present.has(name));
}

function merged<T>(previous: T[], changed: T[], removed: string[], nameOf: (item: T) => string): T[] {
  const gone = new Set(removed);
  const replacements = new Map(changed.map((item) => [nameOf(item), item]));
  const kept = previous.filter((item) => !gone.has(nameOf(item))).map((item) => replacements.get(nameOf(item)) ?? item);
  const present = new Set(kept.map(nameOf));
  return [...kept, ...changed.filter((item) => !present.has(nameOf(item)))];
}
