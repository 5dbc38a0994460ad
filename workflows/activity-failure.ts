// Telling an activity's typed, non-retryable failure apart from any other, as a workflow sees it.
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { API_REJECTED } from '../api/activity-failure-types.js';

/** The ApplicationFailure of `type` that an activity threw, or undefined (a local activity's may arrive unwrapped). */
export function activityFailureOfType(err: unknown, type: string): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === type ? failure : undefined;
}

/** The apiserver's refusal for good that an activity failed with (activities/api-rejection.ts), or undefined. */
export function apiRejectionOf(err: unknown): ApplicationFailure | undefined {
  return activityFailureOfType(err, API_REJECTED);
}
