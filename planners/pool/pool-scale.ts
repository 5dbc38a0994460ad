// Sizing of a pool (spec §4.8): how many warm pods to create and which to delete so that the idle buffer
// stays within [bufferMin, bufferMax], the pool within [poolMin, poolMax], and no more pods warm up at once
// than scaleStrategy.maxUnavailable allows.
//
// Upstream's first step (refuse to scale while "scale expectations" are unsatisfied, for up to 5 minutes)
// has no counterpart: the caller creates pods under deterministic names, so a create repeated after a lost
// response is a conflict, not a second pod (spec §11.3).
import type { PoolSpec } from '../../api/v1alpha1/pool.js';
import { scaledIntOrPercent } from '../kube/int-or-percent.js';
import { isReadyPod, type PodDigest } from './pool-observation.js';
import { oldestFirst } from './pool-pod-order.js';

export interface PoolScaleInput {
  /** The Pool's capacitySpec and scaleStrategy. */
  spec: Pick<PoolSpec, 'capacitySpec' | 'scaleStrategy'>;
  /** Non-terminating pool pods, minus the idle pods evicted this round (planEviction().evict). */
  schedulable: readonly PodDigest[];
  /** Every non-terminating pool pod, evicted ones included: the count poolMax caps. */
  total: number;
  /** Pods the ledger holds for sandboxes after this round's allocation and release (recycling ones included). */
  allocatedPodNames: readonly string[];
  /** Pods owed beyond the current ones: unmet allocation demand plus rollout replacements (planRollout().supply). */
  supply: number;
  /** Pods that go this round whatever the sizing: rollout deletions and recycled pods to delete. */
  toDelete: readonly string[];
}

/** Why fewer pods are created than the pool is short of. */
export type ScaleUpLimit = 'PoolMax' | 'MaxUnavailable';

export interface PoolScalePlan {
  /** The number of schedulable pods the pool aims at. */
  desired: number;
  /** Pods to create at the current revision. */
  create: number;
  /** Pods to delete: toDelete first, then idle pods, oldest first. */
  deletePods: string[];
  reason?: ScaleUpLimit;
}

/** Pods a pool round creates at most (its workflow task must stay small whatever the capacity says). */
export const MAX_POOL_CREATES_PER_ROUND = 200;

export function planPoolScale(input: PoolScaleInput): PoolScalePlan {
  const { bufferMin, bufferMax, poolMin, poolMax } = input.spec.capacitySpec;
  const { schedulable } = input;
  const ledger = new Set(input.allocatedPodNames);
  // Fixes spec §10 B6: upstream counts every ledger entry, including pods already deleted or terminating,
  // which shrinks the computed buffer and over-creates. Only allocated pods still schedulable count.
  const allocated = schedulable.filter((pod) => ledger.has(pod.name)).length;

  // Not-ready idle pods count towards the buffer: they are on their way to Ready.
  const buffer = schedulable.length - allocated;
  const desiredBuffer = bufferMin <= buffer && buffer <= bufferMax ? buffer : Math.floor((bufferMin + bufferMax) / 2);
  const desired = Math.max(allocated + input.supply + desiredBuffer, poolMin);

  const plan: PoolScalePlan = { desired, create: 0, deletePods: deletions(input, ledger, desired) };
  const shortfall = desired - schedulable.length;
  if (shortfall <= 0) return plan;

  const maxNew = Math.max(poolMax - input.total, 0);
  // Pods still warming up (allocated ones included) use up the budget, which is scaled against `desired`.
  const warmingBudget = Math.max(
    scaledIntOrPercent(input.spec.scaleStrategy?.maxUnavailable, desired) - schedulable.filter((pod) => !isReadyPod(pod)).length,
    0,
  );
  plan.create = Math.min(shortfall, maxNew, warmingBudget);
  if (plan.create < shortfall) plan.reason = plan.create === maxNew ? 'PoolMax' : 'MaxUnavailable';
  // The created pods' events bring the next round: a huge capacity never means a huge round.
  plan.create = Math.min(plan.create, MAX_POOL_CREATES_PER_ROUND);
  return plan;
}

// Scale-down is not rate limited (as upstream): deleting an idle pod never makes a sandbox wait.
function deletions(input: PoolScaleInput, ledger: ReadonlySet<string>, desired: number): string[] {
  const known = new Set(input.schedulable.map((pod) => pod.name));
  // A pod already gone or terminating is not deleted again.
  const deletePods = [...new Set(input.toDelete)].filter((name) => known.has(name));
  const chosen = new Set(deletePods);
  const scaleIn = Math.max(input.schedulable.length - desired, 0);
  const idle = input.schedulable
    .filter((pod) => !ledger.has(pod.name) && !chosen.has(pod.name))
    .sort(oldestFirst)
    .slice(0, scaleIn);
  return [...deletePods, ...idle.map((pod) => pod.name)];
}
