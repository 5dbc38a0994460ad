// How the pods recreated by a resume are doing (spec §2.6, Resuming rows of §6.5): a failing pod ends
// the resume as Failed with ResumeFailed and PodFailed (the snapshot is kept for inspection or a later
// retry); every replica Ready ends it as Succeed; anything else means keep waiting. Upstream settles for
// one Ready pod; a resume is only done here when the whole sandbox is back. `missing` counts replicas
// without a live pod: on a real node the paused pod may still be terminating when the resume starts, and
// its successor (same name) can only be created once it is gone.
import type { V1Pod } from '@kubernetes/client-node';
import { podFailedCondition, type ConditionInput } from '../sandbox/batch-sandbox-status.js';
import { isReady, isTerminating } from '../kube/pod-state.js';

export type ResumeProgress =
  { state: 'waiting'; ready: number; missing: number } | { state: 'ready' } | { state: 'failed'; resumeFailed: ConditionInput; podFailed: ConditionInput };

/** `pods`: the sandbox's pods in view order; `replicas`: spec.replicas. */
export function resumeProgress(pods: readonly V1Pod[], replicas: number): ResumeProgress {
  const live = pods.filter((pod) => !isTerminating(pod));
  const podFailed = podFailedCondition(live);
  if (podFailed) {
    const resumeFailed = podFailedCondition(live, 'during resume')!;
    return { state: 'failed', resumeFailed: { ...resumeFailed, type: 'ResumeFailed' }, podFailed };
  }
  const ready = live.filter(isReady).length;
  return ready >= replicas && ready > 0 ? { state: 'ready' } : { state: 'waiting', ready, missing: Math.max(0, replicas - live.length) };
}

/**
 * What wakes a waiting resume (the pod watcher asks): its pods came to an end (ready, failed), or a replica
 * lost its pod and no old pod is still terminating, so it can be created again. Anything else is 'waiting'.
 */
export function resumeWakeState(pods: readonly V1Pod[], replicas: number): 'waiting' | 'recreatable' | 'ready' | 'failed' {
  const progress = resumeProgress(pods, replicas);
  if (progress.state !== 'waiting') return progress.state;
  return progress.missing > 0 && !pods.some(isTerminating) ? 'recreatable' : 'waiting';
}
