// Orders over pool pods used to pick which pods to delete. Every order ends on the pod name so that a plan
// depends on the pods, not on the order a list or watch happened to return them in.
import { epochMs } from '../kube/timestamps.js';
import { isReadyPod, type PodDigest } from './pool-observation.js';

/** Scale-down order (spec §4.8): oldest creationTimestamp first. */
export function oldestFirst(a: PodDigest, b: PodDigest): number {
  return ascending(createdAt(a), createdAt(b)) || byName(a, b);
}

/**
 * Rollout order (spec §4.7, Kubernetes' ReplicaSet preference): the pod whose loss hurts least first.
 * Unscheduled before scheduled; Pending < Unknown < Running; not ready before ready; among ready pods the
 * more recently ready first; more restarts first; newer first.
 */
export function deletionPreference(a: PodDigest, b: PodDigest): number {
  return (
    ascending(scheduled(a), scheduled(b)) ||
    ascending(phaseRank(a), phaseRank(b)) ||
    ascending(readyRank(a), readyRank(b)) ||
    (isReadyPod(a) && isReadyPod(b) ? ascending(newestFirst(a.readySince), newestFirst(b.readySince)) : 0) ||
    ascending(-(a.restarts ?? 0), -(b.restarts ?? 0)) ||
    ascending(newestFirst(a.createdAt), newestFirst(b.createdAt)) ||
    byName(a, b)
  );
}

function ascending(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Code-unit order, not localeCompare: the result must not depend on the host's locale.
function byName(a: PodDigest, b: PodDigest): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

// A pod without a creationTimestamp has not been stored yet: it counts as the newest.
function createdAt(pod: PodDigest): number {
  return epochMs(pod.createdAt) ?? Number.POSITIVE_INFINITY;
}

// Sorts later times (and absent ones, as Kubernetes does) first.
function newestFirst(timestamp: string | undefined): number {
  return -(epochMs(timestamp) ?? Number.POSITIVE_INFINITY);
}

function scheduled(pod: PodDigest): number {
  return pod.node ? 1 : 0;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseRank(pod: PodDigest): number {
  return PHASE_RANK[pod.phase ?? ''] ?? 0;
}

function readyRank(pod: PodDigest): number {
  return isReadyPod(pod) ? 1 : 0;
}
