// Activity options the workflows share: quick API steps retry fast and stay cheap, bulk or remote steps
// back off further. No limit on attempts: a workflow's own deadline (or its object going) ends them.
import type { LocalActivityOptions, RetryPolicy } from '@temporalio/common';

/** Short API calls on the hot path (local activities). */
export const QUICK_RETRY: RetryPolicy = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };

/** Bulk writes and calls to other services (heartbeating activities). */
export const BULK_RETRY: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };

/** Local activities that make a few API calls: observations, deliveries, single writes. */
export const QUICK_LOCAL_ACTIVITY: LocalActivityOptions = { startToCloseTimeout: '30 seconds', retry: QUICK_RETRY };
