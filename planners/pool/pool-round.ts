// Everything one pool round decides after allocation, as one plan: which released pods are recycled and
// how, which idle pods are evicted or rolled to the new template, how many pods to create or remove, and
// the resulting pool status. Pure: the pool workflow executes it.
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import type { PoolStatus } from '../../api/v1alpha1/pool.js';
import type { AllocationPlan, Ledger, Release } from './allocation.js';
import { evictionHandlerFor, planEviction, type EvictionHandler } from './pool-eviction.js';
import { isTerminatingPod, type PodDigest, type PoolObservation } from './pool-observation.js';
import { planRollout } from './pool-rollout.js';
import { createHeldBackFor, currentRefusal, type PoolCreateRefusal } from './pool-create-refusal.js';
import { planPoolScale } from './pool-scale.js';
import { computePoolStatus, poolStatusChanged } from './pool-status.js';
import { planRecycle } from './recycle.js';

export interface PoolRoundInput {
  /** An observation of an existing pool. */
  observation: PoolObservation & { pool: NonNullable<PoolObservation['pool']> };
  allocation: AllocationPlan;
  nextOrdinal: number;
  now: Date;
  /** The apiserver's last refusal of a pool pod (pool-create-refusal.ts), while no create went through since. */
  createRefusal?: PoolCreateRefusal | undefined;
  /** Deliveries are going on: a buffer refill waits (pool-refill.ts). */
  refillHeld?: boolean;
}

/** A release whose recycling is done. */
export interface ReleaseRecord extends Release {
  /**
   * Pods back in the pool as they are (Noop, or restarted): their allocation label still names the
   * sandbox, and is cleared, else an idle pod would look like that sandbox's to a selector or a pause.
   */
  reused: string[];
}

export interface PoolRoundPlan {
  /** Idle pods labelled for eviction: deleted now. */
  evict: string[];
  release: {
    /** Released pods the recycle strategy deletes (Delete, or a Restart that gave up). */
    deletePods: string[];
    /** Restart recycle attempts to make this round. */
    restart: RestartAttempt[];
    /** Pods whose Restart gave up (they are in deletePods), with why: for logs. */
    restartFailures: { pod: string; message: string }[];
    /**
     * Some pod is restarting: plan again after this long even if nothing changes (the retry interval
     * runs out without any pod event; spec §10 B9).
     */
    recheckAfterMs?: number;
    /** alloc-released updates to write: pods whose recycling is done (a restarting pod stays allocated). */
    records: ReleaseRecord[];
    /** The ledger once those releases are recorded. */
    ledgerAfter: Ledger;
  };
  scale: {
    /** Names of the pods to create (deterministic: a retried create is a conflict, not a second pod). */
    create: string[];
    /** Rollout deletions, then surplus idle pods. */
    deletePods: string[];
  };
  /**
   * Idle pods whose allocation label still names a sandbox: cleared (only while it names that one). A
   * labelling retried after its sandbox was released puts the label back, and the pod would look like
   * that sandbox's to a selector or a pause until it is handed out again (issue 13 item 9).
   */
  staleLabels: { pod: string; sandbox: string }[];
  nextOrdinal: number;
  status: PoolStatus;
  /** Set when the Pool names an unknown eviction handler. */
  warnings: string[];
  /** A buffer refill waits for deliveries to pause (pool-refill.ts); the hold's end starts a round. */
  refillDeferred: boolean;
  /**
   * Plan again after this long even if nothing changes: a restarting pod's retry interval, or pod creation
   * held back after a refusal, runs out without any event.
   */
  recheckAfterMs?: number;
}

/** One Restart recycle attempt: write `record` as the pod's restart-record, then exec `command` in `containers`. */
export interface RestartAttempt {
  pod: string;
  /** The pod version the attempt was planned from: the record write is conditional on it. */
  resourceVersion: string;
  record: string;
  containers: string[];
  command: string[];
}

export function planPoolRound({ observation, allocation, nextOrdinal, now, ...input }: PoolRoundInput): PoolRoundPlan {
  const { object: pool, revision } = observation.pool;
  const createRefusal = currentRefusal(input.createRefusal, revision);
  const { handler, warning } = evictionHandlerFor(pool);
  const live = observation.pods.filter((pod) => !isTerminatingPod(pod));
  const byName = new Map(observation.pods.map((pod) => [pod.name, pod]));

  const release = planReleases(allocation, byName, pool.spec.recycleStrategy, pool.metadata.annotations, now);
  const allocatedPodNames = Object.keys(release.ledgerAfter);
  // Released pods that the recycle strategy deletes are already on their way out: sizing must not count
  // them, or it would see a surplus and delete idle pods as well.
  const recycled = new Set(release.deletePods);
  const remaining = live.filter((pod) => !recycled.has(pod.name));
  const eviction = planEviction(remaining, allocatedPodNames, handler);
  const schedulable = remaining.filter((pod) => !eviction.evict.includes(pod.name));
  const rollout = planRollout({ spec: pool.spec, revision, schedulable, allocatedPodNames });
  const scale = planPoolScale({
    spec: pool.spec,
    schedulable,
    total: remaining.length,
    allocatedPodNames,
    supply: allocation.shortfall + rollout.supply,
    toDelete: rollout.deletePods,
  });
  // A workflow started afresh (its ledger rebuilt from the cluster) counts from 0 again: skip the names
  // its pods already carry, or every create would be a conflict taken for success.
  const firstOrdinal = Math.max(nextOrdinal, ordinalAfter(pool.metadata.name, pool.metadata.uid ?? '', observation.pods));
  const heldBackMs = createHeldBackFor(createRefusal, now.getTime());
  // Only a refill waits for deliveries to pause; pods owed to sandboxes or a rollout are created at once.
  const refillOnly = allocation.shortfall === 0 && rollout.supply === 0 && scale.create > 0;
  const refillDeferred = refillOnly && input.refillHeld === true;
  const toCreate = heldBackMs === undefined && !refillDeferred ? scale.create : 0;
  const create = Array.from({ length: toCreate }, (_, i) => poolPodName(pool.metadata.name, pool.metadata.uid ?? '', firstOrdinal + i));
  const recheckAfterMs = Math.min(release.recheckAfterMs ?? Infinity, heldBackMs ?? Infinity);
  // Pods released this round are unlabelled with their release record; pods being deleted need nothing.
  const handledElsewhere = new Set([...release.records.flatMap((r) => r.pods), ...eviction.evict, ...scale.deletePods]);
  const staleLabels = remaining.flatMap((pod) => {
    const { sandbox, name } = pod;
    return sandbox === undefined || name in release.ledgerAfter || handledElsewhere.has(name) ? [] : [{ pod: name, sandbox }];
  });
  return {
    evict: eviction.evict,
    release,
    scale: { create, deletePods: scale.deletePods },
    staleLabels,
    nextOrdinal: firstOrdinal + create.length,
    status: computePoolStatus({
      generation: pool.metadata.generation,
      revision,
      pods: observation.pods,
      allocatedPodNames,
      handler: handler satisfies EvictionHandler,
      createRefusal,
    }),
    warnings: warning ? [warning] : [],
    refillDeferred,
    ...(Number.isFinite(recheckAfterMs) ? { recheckAfterMs } : {}),
  };
}

function planReleases(
  allocation: AllocationPlan,
  pods: Map<string, PodDigest>,
  strategy: Parameters<typeof planRecycle>[0]['strategy'],
  poolAnnotations: Record<string, string> | undefined,
  now: Date,
): PoolRoundPlan['release'] {
  const plan: PoolRoundPlan['release'] = { deletePods: [], restart: [], restartFailures: [], records: [], ledgerAfter: { ...allocation.ledger } };
  for (const release of allocation.releases) {
    const done: string[] = [];
    for (const pod of release.pods) {
      const observed = pods.get(pod);
      const recycle = planRecycle({
        strategy,
        pod: observed,
        restartConfig: poolAnnotations?.[ANNOTATIONS.restartConfig],
        sandboxName: release.sandbox,
        now,
      });
      if (recycle.outcome === 'Restarting') {
        // Stays allocated (not available) until its containers run again; this release comes back
        // every round until then.
        if (recycle.recordToWrite !== undefined && recycle.execCommand !== undefined) {
          plan.restart.push({
            pod,
            resourceVersion: observed?.restart?.resourceVersion ?? '',
            record: recycle.recordToWrite,
            ...recycle.execCommand,
          });
        }
        if (recycle.retryAfterMs !== undefined) plan.recheckAfterMs = Math.min(plan.recheckAfterMs ?? Infinity, recycle.retryAfterMs);
        continue;
      }
      // Deleting a pod counts as done, as upstream: it is gone from the pool either way.
      if (recycle.outcome === 'Failed') plan.restartFailures.push({ pod, message: recycle.message });
      if (recycle.outcome === 'Failed' || recycle.outcome === 'NeedDelete') plan.deletePods.push(pod);
      delete plan.ledgerAfter[pod];
      done.push(pod);
    }
    // A sandbox that is going away is owed nothing more only once every one of its pods is back.
    const complete = done.length === release.pods.length;
    if (done.length > 0 || complete) {
      const deleted = new Set(plan.deletePods);
      plan.records.push({ sandbox: release.sandbox, pods: done, final: release.final && complete, reused: done.filter((pod) => !deleted.has(pod)) });
    }
  }
  return plan;
}

/**
 * Whether executing `plan` writes anything: pods to delete or create, releases to record, or a status that
 * differs from the last one written (`lastStatus`). The pool workflow runs upkeep only then, and
 * re-plans after upkeep only then: otherwise an idle pool would re-plan forever, one observation after
 * another, without ever waiting for a change.
 */
export function upkeepNeeded(plan: PoolRoundPlan, lastStatus: PoolStatus | undefined): boolean {
  return (
    plan.evict.length > 0 ||
    plan.release.deletePods.length > 0 ||
    plan.release.records.length > 0 ||
    plan.release.restart.length > 0 ||
    plan.scale.create.length > 0 ||
    plan.scale.deletePods.length > 0 ||
    plan.staleLabels.length > 0 ||
    poolStatusChanged(lastStatus, plan.status)
  );
}

/** `<pool>-<4 chars of the Pool UID>-<ordinal>`: unique per Pool object, stable across retries. */
export function poolPodName(pool: string, uid: string, ordinal: number): string {
  return `${poolPodPrefix(pool, uid)}${ordinal.toString(36)}`;
}

function poolPodPrefix(pool: string, uid: string): string {
  return `${pool}-${uid.replace(/-/g, '').slice(0, 4)}-`;
}

/** One past the highest ordinal among `pods` named by poolPodName (0 when there is none). */
function ordinalAfter(pool: string, uid: string, pods: readonly PodDigest[]): number {
  const prefix = poolPodPrefix(pool, uid);
  let next = 0;
  for (const pod of pods) {
    const { name } = pod;
    if (!name.startsWith(prefix)) continue;
    const ordinal = parseInt(name.slice(prefix.length), 36);
    if (Number.isSafeInteger(ordinal)) next = Math.max(next, ordinal + 1);
  }
  return next;
}
