// Pool status (spec §4.10) computed from the observed pods and the allocation ledger. In a steady pool
// `available + allocated == total` (the upstream e2e invariant); during a rollout, idle old-revision
// pods count in total only.
import type { V1Pod } from '@kubernetes/client-node';
import type { PoolStatus } from '../api/v1alpha1/pool.js';
import { isAllocatable, type EvictionHandler } from './pool-eviction.js';
import { podRevision } from './pool-pod.js';
import { isTerminating, podName } from './pod-state.js';

export interface PoolStatusInput {
  /** metadata.generation of the Pool this status describes. */
  generation: number | undefined;
  /** The current template revision. */
  revision: string;
  /** Every observed pool pod; terminating ones are left out here. */
  pods: readonly V1Pod[];
  /** Pods the ledger holds for sandboxes. */
  allocatedPodNames: readonly string[];
  handler: EvictionHandler;
}

export function computePoolStatus(input: PoolStatusInput): PoolStatus {
  const ledger = new Set(input.allocatedPodNames);
  const pods = input.pods.filter((pod) => !isTerminating(pod));
  const allocated = (pod: V1Pod) => ledger.has(podName(pod));
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
    updated: pods.filter((pod) => podRevision(pod) === input.revision).length,
  };
}

const STATUS_FIELDS = ['observedGeneration', 'revision', 'total', 'allocated', 'available', 'updated'] as const;

/** Whether `next` differs from the stored status: the status is written only then. */
export function poolStatusChanged(current: PoolStatus | undefined, next: PoolStatus): boolean {
  return current === undefined || STATUS_FIELDS.some((field) => current[field] !== next[field]);
}
