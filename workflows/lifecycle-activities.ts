// The activities of the pause, resume and snapshot workflows, as the workflows call them. Every step is a
// short, idempotent API call: a stuck call fails fast and is retried, without limit, until the workflow's
// deadline; an object that is gone is final (OBJECT_GONE). Local activities: they run in the worker that
// runs the workflow task (every operator worker has them), which saves a task-queue round trip per step,
// most of the operator's share of a pause or resume (bench pause-resume). The long waits (commit Job, pods)
// are workflow timers and signals, never activities, so no step outlives a workflow task's heartbeat.
import { CancellationScope, proxyLocalActivities } from '@temporalio/workflow';
import type { ApplicationFailure } from '@temporalio/common';
import type { LifecycleActivities } from '../activities/lifecycle-activity-types.js';
import { OBJECT_GONE } from '../api/activity-failure-types.js';
import type { SandboxRef } from '../api/object-refs.js';
import { activityFailureOfType, apiRejectionOf } from './activity-failure.js';
import { QUICK_LOCAL_ACTIVITY, QUICK_RETRY } from './activity-options.js';
import type { LifecycleResult } from './lifecycle-api.js';
import type { ProgressTracker } from './lifecycle-progress.js';

export const lifecycleActivities = proxyLocalActivities<LifecycleActivities>({
  ...QUICK_LOCAL_ACTIVITY,
  retry: {
    ...QUICK_RETRY,
    // The activities throw it as non-retryable already; this keeps it final whatever they throw.
    nonRetryableErrorTypes: [OBJECT_GONE],
  },
});

/** An activity found the sandbox or snapshot gone (or replaced by a namesake): the run ends quietly. */
export function isObjectGone(err: unknown): boolean {
  return activityFailureOfType(err, OBJECT_GONE) !== undefined;
}

/**
 * How a pause or resume ends on an activity's final failure, or undefined for any other error: quietly
 * when its sandbox is gone (OBJECT_GONE); when the apiserver refused its current step for good
 * (API_REJECTED), with a Warning Event on the sandbox naming the step and the refusal (retrying the same
 * request would be refused again).
 */
export function endOnFinalFailure(
  err: unknown,
  progress: ProgressTracker,
  sandbox: SandboxRef,
  operation: 'pause' | 'resume',
): LifecycleResult | Promise<LifecycleResult> | undefined {
  if (isObjectGone(err)) return progress.end('abandoned', `sandbox ${sandbox.name} is gone`);
  const rejected = apiRejectionOf(err);
  return rejected ? endRejected(progress, sandbox, operation, rejected) : undefined;
}

function endRejected(progress: ProgressTracker, sandbox: SandboxRef, operation: 'pause' | 'resume', rejection: ApplicationFailure): Promise<LifecycleResult> {
  return CancellationScope.nonCancellable(async () => {
    const step = progress.current();
    await lifecycleActivities.recordRejection(sandbox, operation, step, rejection.message);
    return progress.end('failed', `the apiserver refused ${step}: ${rejection.message}`);
  });
}
