// Pool status (spec §4.10) computed from the observed pods and the allocation ledger. In a steady pool
// `available + allocated == total` (the upstream e2e invariant); during a rollout, idle old-revision
// pods count in total only.
import type { PoolStatus } from '../../api/v1alpha1/pool.js';
import { replicaFailureCondition, type PoolCreateRefusal } from './pool-create-refusal.js';
import { isAllocatable, type EvictionHandler } from './pool-eviction.js';
import { isTerminatingPod, type PodDigest } from './pool-observation.js';

export interface PoolStatusInput {
  /** metadata.generation of the Pool this status describes. */
  generation: number | undefined;
  /** The current template revision. */
  revision: string;
  /** Every observed pool pod; terminating ones are left out here. */
  pods: readonly PodDigest[];
  /** Pods the ledger holds for sandboxes. */
  allocatedPodNames: readonly string[];
  handler: EvictionHandler;
  /** The apiserver's last refusal of a pool pod, while no create has gone through since. */
  createRefusal?: PoolCreateRefusal | undefined;
}

export function computePoolStatus(input: PoolStatusInput): PoolStatus {
  const ledger = new Set(input.allocatedPodNames);
  const pods = input.pods.filter((pod) => !isTerminatingPod(pod));
  const allocated = (pod: PodDigest) => ledger.has(pod.name);
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    revision: input.revision,
    total: pods.length,
    // Fixes spec §10 B6: upstream reports every ledger entry, ghosts of deleted pods included, so that
    // allocated could exceed total. Only live allocated pods count.
    allocated: pods.filter(allocated).length,
    // Upstream counts every ready idle pod; here only the pods an allocation may actually hand out, so an
    // evicting or old-revision pod is not advertised as available.
    available: pods.filter((pod) => !allocated(pod) && isAllocatable(pod, input.revision, input.handler)).length,
    updated: pods.filter((pod) => pod.revision === input.revision).length,
    // Always present (maybe empty): the status is written as a merge patch, which removes a list only
    // when it says so.
    conditions: input.createRefusal ? [replicaFailureCondition(input.createRefusal)] : [],
  };
}

const STATUS_FIELDS = ['observedGeneration', 'revision', 'total', 'allocated', 'available', 'updated'] as const;

/** What of the conditions counts as a change: which hold, and why (not when they were last seen). */
function conditionsKey(status: PoolStatus): string {
  return JSON.stringify((status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]).sort());
}

/** Whether `next` differs from `current` (the status last written): the status is written only then. */
export function poolStatusChanged(current: PoolStatus | undefined, next: PoolStatus): boolean {
  return current === undefined || STATUS_FIELDS.some((field) => current[field] !== next[field]) || conditionsKey(current) !== conditionsKey(next);
}

/**
 * A status the pool workflow wrote, and when: the workflow time (ms) of the round that planned the write,
 * which reads the same on replay (workflows/pool-workflow.ts, patch upkeep-dated-by-round).
 */
export interface WrittenPoolStatus {
  status: PoolStatus;
  at: number;
}

/** How long after its own write (planned) a differing observation is taken for lag (an informer cache), not a rewrite. */
export const STATUS_SETTLE_MS = 5_000;

/**
 * The status last written, or undefined once the cluster shows another one well after the write: something
 * else replaced it (a retried write from a worker that died, an operator instance on its way out in a
 * rollout, a hand edit), so it is written again instead of trusted until the next change. An observation
 * without a status says nothing (a Pool never written, or an observation recorded before statuses were).
 */
export function lastWrittenStatusHolds(written: WrittenPoolStatus | undefined, observed: PoolStatus | undefined, now: number): WrittenPoolStatus | undefined {
  if (!written || observed === undefined || now - written.at < STATUS_SETTLE_MS) return written;
  return poolStatusChanged(written.status, observed) ? undefined : written;
}
