// The activities of the pause, resume and snapshot workflows, as the workflows call them. Regular (not
// local) activities: any worker process of the operator can run them. Every step is a short, idempotent
// API call: a stuck call fails fast and is retried, without limit, until the workflow's deadline; an
// object that is gone is final (OBJECT_GONE).
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import { OBJECT_GONE, type LifecycleActivities } from '../activities/pause-activity-types.js';

export const lifecycleActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    // The activities throw it as non-retryable already; this keeps it final whatever they throw.
    nonRetryableErrorTypes: [OBJECT_GONE],
  },
});

/** An activity found the sandbox or snapshot gone (or replaced by a namesake): the run ends quietly. */
export function isObjectGone(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === OBJECT_GONE;
}
