// Telling an activity's typed, non-retryable failure apart from any other, as a workflow sees it.
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure of `type` that an activity threw, or undefined (a local activity's may arrive unwrapped). */
export function activityFailureOfType(err: unknown, type: string): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === type ? failure : undefined;
}
