// A Kubernetes refusal that repeating the same request will not change (operator/kube-errors.ts
// isPermanentApiError: invalid, forbidden, over quota), as an activity's non-retryable failure of type
// API_REJECTED. Temporal stops retrying it at once and the workflow reports it, instead of the activity
// being retried against the apiserver without end (issue 13 item 8).
import { ApplicationFailure } from '@temporalio/common';
import { API_REJECTED } from '../api/activity-failure-types.js';
import { apiErrorMessage, isPermanentApiError } from '../operator/kube-errors.js';

/** `activity`, failing for good (API_REJECTED) when the apiserver refuses one of its requests for good. */
export function finalOnRejection<A extends unknown[], R>(activity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await activity(...args);
    } catch (err) {
      if (!isPermanentApiError(err)) throw err;
      throw ApplicationFailure.create({ message: apiErrorMessage(err), type: API_REJECTED, nonRetryable: true, cause: err as Error });
    }
  };
}
