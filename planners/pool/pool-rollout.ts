// Template rollout of a pool (spec §4.7), upstream's only strategy, "recreate idle pods": idle pods of an
// old revision are deleted and replaced at the current one, a bounded number of ready ones per round.
// Allocated pods are never touched; they come back idle after release (Noop/Restart recycle) and are
// replaced then.
import type { PoolSpec } from '../../api/v1alpha1/pool.js';
import { scaledIntOrPercent } from '../kube/int-or-percent.js';
import { isReadyPod, type PodDigest } from './pool-observation.js';
import { deletionPreference } from './pool-pod-order.js';

export interface RolloutInput {
  /** The Pool's updateStrategy. */
  spec: Pick<PoolSpec, 'updateStrategy'>;
  /** The current template revision. */
  revision: string;
  /** Non-terminating pool pods, minus the idle pods evicted this round (planEviction().evict). */
  schedulable: readonly PodDigest[];
  /** Pods the ledger holds for sandboxes after this round's allocation and release. */
  allocatedPodNames: readonly string[];
}

export interface RolloutPlan {
  /** Idle old-revision pods to delete now, most expendable first. */
  deletePods: string[];
  /** Replacements to create at the current revision, one per deletion (an input of planPoolScale). */
  supply: number;
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const allocated = new Set(input.allocatedPodNames);
  // maxUnavailable is scaled against the schedulable pods; pods already not ready use it up.
  const maxUnavailable = scaledIntOrPercent(input.spec.updateStrategy?.maxUnavailable, input.schedulable.length);
  let budget = Math.max(maxUnavailable - input.schedulable.filter((pod) => !isReadyPod(pod)).length, 0);

  const deletePods: string[] = [];
  const outdatedIdle = input.schedulable.filter((pod) => !allocated.has(pod.name) && pod.revision !== input.revision).sort(deletionPreference);
  for (const pod of outdatedIdle) {
    // Deleting a pod that is not ready costs no availability, so it needs no budget.
    if (!isReadyPod(pod)) deletePods.push(pod.name);
    else if (budget > 0) {
      deletePods.push(pod.name);
      budget--;
    }
  }
  return { deletePods, supply: deletePods.length };
}
