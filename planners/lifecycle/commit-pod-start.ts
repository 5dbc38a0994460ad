// A commit Job whose pod cannot start never fails by itself: the Job stays active, its pod waits on an
// image it cannot pull, until activeDeadlineSeconds (10 min by default) ends it as a Timeout. The pause
// would sit in Pausing all that time and then blame the clock. A waiting reason that needs a fix from
// outside (a wrong committer image, a missing push secret) fails the commit at once and names it.
import type { V1Pod } from '@kubernetes/client-node';
import { readCommitResult } from './commit-job.js';

/** Container waiting reasons that do not go away without a change from outside. */
const UNSTARTABLE_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError']);

export interface CommitPodStartFailure {
  state: 'failed';
  reason: 'CommitJobFailed';
  message: string;
}

/** Why a pod of `jobName` cannot start, from the first unstartable container among `pods`, if any. */
export function commitPodStartFailure(jobName: string, pods: readonly V1Pod[]): CommitPodStartFailure | undefined {
  for (const pod of pods) {
    const images = new Map((pod.spec?.containers ?? []).map((c) => [c.name, c.image] as const));
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = status.state?.waiting;
      if (!waiting?.reason || !UNSTARTABLE_REASONS.has(waiting.reason)) continue;
      const image = images.get(status.name) ?? status.image;
      const detail = waiting.message ? `: ${waiting.message}` : '';
      return {
        state: 'failed',
        reason: 'CommitJobFailed',
        message: `commit job ${jobName} cannot start: ${waiting.reason}${detail} (image ${image})`,
      };
    }
  }
  return undefined;
}

/**
 * What a commit Job's pod says to the run waiting on the commit: it cannot start (fail now), its committer
 * reported a result (done, a second or two before the Job is marked Complete), or nothing yet.
 */
export function commitPodState(jobName: string, pod: V1Pod): 'cannot start' | 'committed' | 'fine' {
  if (commitPodStartFailure(jobName, [pod])) return 'cannot start';
  return readCommitResult(jobName, [pod]).ok ? 'committed' : 'fine';
}
