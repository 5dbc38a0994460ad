// A Kubernetes refusal that repeating the same request will not change (kernel/kube-errors.ts
// isPermanentApiError: invalid, forbidden, over quota), as an activity's non-retryable failure of type
// API_REJECTED. Temporal stops retrying it at once and the workflow reports it, instead of the activity
// being retried against the apiserver without end (issue 13 item 8).
import { ApplicationFailure } from '@temporalio/common';
import { API_REJECTED } from '../api/activity-failure-types.js';
import { apiErrorMessage, isPermanentApiError } from '../kernel/kube-errors.js';

/**
 * `activity`, failing for good (API_REJECTED) when the apiserver refuses one of its requests for good;
 * `onRejected` (say, a Warning Event on the object) hears the refusal first.
 */
export function finalOnRejection<A extends unknown[], R>(
  activity: (...args: A) => Promise<R>,
  onRejected?: (message: string, ...args: A) => void,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await activity(...args);
    } catch (err) {
      if (!isPermanentApiError(err)) throw err;
      const message = apiErrorMessage(err);
      onRejected?.(message, ...args);
      throw ApplicationFailure.create({ message, type: API_REJECTED, nonRetryable: true, cause: err as Error });
    }
  };
}

/** Every activity of a group, each failing for good on a refusal (finalOnRejection). */
export function finalOnAnyRejection<T extends object>(activities: T): T {
  const wrap = (activity: unknown) => finalOnRejection(activity as (...args: unknown[]) => Promise<unknown>);
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, wrap(activity)])) as T;
}
