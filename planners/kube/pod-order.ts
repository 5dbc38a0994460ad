// Orders over pool pods used to pick which pods to delete. Every order ends on the pod name so that a plan
// depends on the pods, not on the order a list or watch happened to return them in.
import type { V1Pod } from '@kubernetes/client-node';
import { isReady, podName } from './pod-state.js';
import { epochMs, type Timestamp } from './timestamps.js';

/** Scale-down order (spec §4.8): oldest creationTimestamp first. */
export function oldestFirst(a: V1Pod, b: V1Pod): number {
  return ascending(createdAt(a), createdAt(b)) || byName(a, b);
}

/**
 * Rollout order (spec §4.7, Kubernetes' ReplicaSet preference): the pod whose loss hurts least first.
 * Unscheduled before scheduled; Pending < Unknown < Running; not ready before ready; among ready pods the
 * more recently ready first; more restarts first; newer first.
 */
export function deletionPreference(a: V1Pod, b: V1Pod): number {
  return (
    ascending(scheduled(a), scheduled(b)) ||
    ascending(phaseRank(a), phaseRank(b)) ||
    ascending(readyRank(a), readyRank(b)) ||
    (isReady(a) && isReady(b) ? ascending(newestFirst(readySince(a)), newestFirst(readySince(b))) : 0) ||
    ascending(-restarts(a), -restarts(b)) ||
    ascending(newestFirst(a.metadata?.creationTimestamp), newestFirst(b.metadata?.creationTimestamp)) ||
    byName(a, b)
  );
}

function ascending(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Code-unit order, not localeCompare: the result must not depend on the host's locale.
function byName(a: V1Pod, b: V1Pod): number {
  const [x, y] = [podName(a), podName(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

// A pod without a creationTimestamp has not been stored yet: it counts as the newest.
function createdAt(pod: V1Pod): number {
  return epochMs(pod.metadata?.creationTimestamp) ?? Number.POSITIVE_INFINITY;
}

// Sorts later times (and absent ones, as Kubernetes does) first.
function newestFirst(timestamp: Timestamp): number {
  return -(epochMs(timestamp) ?? Number.POSITIVE_INFINITY);
}

function scheduled(pod: V1Pod): number {
  return pod.spec?.nodeName ? 1 : 0;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseRank(pod: V1Pod): number {
  return PHASE_RANK[pod.status?.phase ?? ''] ?? 0;
}

function readyRank(pod: V1Pod): number {
  return isReady(pod) ? 1 : 0;
}

function readySince(pod: V1Pod): Timestamp {
  return pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
}

function restarts(pod: V1Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount));
}
