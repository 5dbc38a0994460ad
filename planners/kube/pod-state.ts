// Pod predicates every planner shares (spec/opensandbox-operator.md §12): "ready" is phase Running with
// PodReady=True; "assigned" is bound to a node or given an IP; "terminating" has a deletionTimestamp.
import type { V1Pod } from '@kubernetes/client-node';

export function isTerminating(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isAssigned(pod: V1Pod): boolean {
  return Boolean(pod.spec?.nodeName) || Boolean(pod.status?.podIP);
}

/** The owner reference with controller=true, if any, of a pod or any other object (a Job's is its snapshot). */
export function controllerOf<R extends { controller?: boolean }>(obj: { metadata?: { ownerReferences?: R[] } }): R | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

export function podName(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}

/** Container waiting reasons that mean the sandbox cannot start by itself (spec §2.6). */
export const FAILING_WAIT_REASONS: ReadonlySet<string> = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError']);

/** The first failing waiting reason among the pod's containers, if any. */
export function failingReason(pod: V1Pod): string | undefined {
  for (const status of pod.status?.containerStatuses ?? []) {
    const reason = status.state?.waiting?.reason;
    if (reason && FAILING_WAIT_REASONS.has(reason)) return reason;
  }
  return undefined;
}
