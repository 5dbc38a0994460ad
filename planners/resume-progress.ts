// How the pods recreated by a resume are doing (spec §2.6, Resuming rows of §6.5): a failing pod ends
// the resume as Failed with ResumeFailed and PodFailed (the snapshot is kept for inspection or a later
// retry); every replica Ready ends it as Succeed; anything else means keep waiting. Upstream settles for
// one Ready pod; a resume is only done here when the whole sandbox is back.
import type { V1Pod } from '@kubernetes/client-node';
import { podFailedCondition, type ConditionInput } from './batch-sandbox-status.js';
import { isReady, isTerminating } from './pod-state.js';

export type ResumeProgress =
  | { state: 'waiting'; ready: number }
  | { state: 'ready' }
  | { state: 'failed'; resumeFailed: ConditionInput; podFailed: ConditionInput };

/** `pods`: the sandbox's pods in view order; `replicas`: spec.replicas. */
export function resumeProgress(pods: readonly V1Pod[], replicas: number): ResumeProgress {
  const live = pods.filter((pod) => !isTerminating(pod));
  const podFailed = podFailedCondition(live);
  if (podFailed) {
    const resumeFailed = podFailedCondition(live, 'during resume')!;
    return { state: 'failed', resumeFailed: { ...resumeFailed, type: 'ResumeFailed' }, podFailed };
  }
  const ready = live.filter(isReady).length;
  return ready >= replicas && ready > 0 ? { state: 'ready' } : { state: 'waiting', ready };
}
