// Types of the non-retryable failures activities throw on purpose, which workflows tell apart
// (workflows/activity-failure.ts). Here, below both, as the workflow bundle must not load activity code.

/** The apiserver refused a request for good: invalid, forbidden, over quota (activities/api-rejection.ts). */
export const API_REJECTED = 'KubernetesApiRejected';

/** The object the workflow acts for is gone (or is another object of the same name): the workflow stops quietly. */
export const OBJECT_GONE = 'ObjectGone';
