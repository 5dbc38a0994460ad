// The resume of one BatchSandbox generation (id `resume/<ns>/<name>/<uid>/<generation>`, ADR 0004):
//   markResuming (with the snapshots) -> rewriteTemplate -> recreatePods -> wait for the pods
//   (recreating those whose predecessor was still terminating) -> markResumed | markResumeFailed
// A pod the apiserver refuses for good fails the resume (PodCreateRejected); any other refused step ends
// the run with a ResumeRejected Event.
// Waiting is event-driven: the pod watcher signals `sandboxPodsChanged`. Resume is latency-sensitive and
// the watcher may not know this run's id yet (an operator restart), so the backstop wakes it often at
// first (every 2 s for 30 s), then every 10 s.
import { CancellationScope, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ResumeFailure } from '../activities/lifecycle-activity-types.js';
import { resumeBlockedEvent } from '../planners/lifecycle/pause-status.js';
import { sandboxPodsChangedSignal, type LifecycleResult, type ResumeWorkflowInput } from './lifecycle-api.js';
import { apiRejectionOf } from './activity-failure.js';
import { endOnFinalFailure, lifecycleActivities as steps } from './lifecycle-activities.js';
import { trackProgress } from './lifecycle-progress.js';

const EARLY_BACKSTOP_MS = 2_000;
const EARLY_PERIOD_MS = 30_000;
const LATE_BACKSTOP_MS = 10_000;

export async function resumeWorkflow({ sandbox, generation, deadlineMs }: ResumeWorkflowInput): Promise<LifecycleResult> {
  const progress = trackProgress('resume', { kind: 'BatchSandbox', namespace: sandbox.namespace, name: sandbox.name });
  const workflowScope = CancellationScope.current();
  const deadlineAt = workflowInfo().startTime.getTime() + deadlineMs;
  let podsChanged = false;
  /** What markResuming left as pauseObservedGeneration: the outcome is written only while it stands. */
  let claim: number | undefined;
  setHandler(sandboxPodsChangedSignal, () => {
    podsChanged = true;
  });

  try {
    try {
      return await CancellationScope.withTimeout(Math.max(1, deadlineAt - Date.now()), resume);
    } catch (err) {
      if (!isCancellation(err) || workflowScope.consideredCancelled) throw err;
      return await failed({ phase: 'Failed', reason: 'Timeout', message: `resume did not finish within ${deadlineMs / 1000}s` });
    }
  } catch (err) {
    const ended = endOnFinalFailure(err, progress, sandbox, 'resume');
    if (ended) return ended;
    throw err;
  }

  async function resume(): Promise<LifecycleResult> {
    progress.step('marking resuming');
    const start = await steps.markResuming(sandbox, generation);
    if (!start.proceed) return progress.end('abandoned', start.why);
    claim = start.claim;

    const resolved = start.snapshots;
    if (!resolved.ok) {
      // A sandbox with a Ready pod is running anyway; otherwise nothing changed and it stays Paused.
      const blocked = resumeBlockedEvent(resolved, resolved.hasReadyPod);
      if (blocked.type !== 'resumeFailed') return resumed();
      return failed({ phase: blocked.phase, reason: blocked.reason, message: blocked.message });
    }

    progress.step('rewriting template');
    const rewritten = await steps.rewriteTemplate(sandbox, resolved.restores);
    if (!rewritten.ok) return failed({ phase: 'Paused', reason: rewritten.reason, message: rewritten.message });

    const refused = await recreatePods();
    if (refused) return failed(refused);
    const waitingSince = Date.now();
    for (;;) {
      progress.step('waiting for pods');
      await condition(() => podsChanged, Date.now() - waitingSince < EARLY_PERIOD_MS ? EARLY_BACKSTOP_MS : LATE_BACKSTOP_MS);
      podsChanged = false;
      progress.step('inspecting pods');
      const pods = await steps.inspectResumedPods(sandbox);
      if (pods.state === 'ready') return resumed();
      if (pods.state === 'failed') {
        const { reason, message } = pods.resumeFailed;
        return failed({ phase: 'Failed', reason, message, podFailed: pods.podFailed });
      }
      if (pods.missing > 0) {
        const refusedAgain = await recreatePods();
        if (refusedAgain) return failed(refusedAgain);
      }
    }
  }

  /** Creates the missing pods; a create the apiserver refuses for good (quota, policy) fails the resume. */
  async function recreatePods(): Promise<ResumeFailure | undefined> {
    progress.step('recreating pods');
    try {
      await steps.recreatePods(sandbox);
      return undefined;
    } catch (err) {
      const rejected = apiRejectionOf(err);
      if (!rejected) throw err;
      return { phase: 'Failed', reason: 'PodCreateRejected', message: `the apiserver refused a pod: ${rejected.message}` };
    }
  }

  // The outcome is written whatever arrives meanwhile (the deadline, a cancellation): never half of it.
  function resumed(): Promise<LifecycleResult> {
    return CancellationScope.nonCancellable(async () => {
      progress.step('marking resumed');
      await steps.markResumed(sandbox, generation, claim);
      return progress.end('succeeded');
    });
  }

  function failed(failure: ResumeFailure): Promise<LifecycleResult> {
    return CancellationScope.nonCancellable(async () => {
      progress.step('recording failure');
      await steps.markResumeFailed(sandbox, failure, claim);
      return progress.end('failed', `${failure.reason}: ${failure.message}`);
    });
  }
}
