// A Pool whose pods the apiserver refuses for good (a template it rejects, such as `cpu: banana`; a
// quota): the create fails as non-retryable (POOL_POD_CREATE_REFUSED) instead of being retried inside the
// activity, which would hold the pool's upkeep - recycling, release records, status - for as long as the
// template stays broken. The pool workflow keeps the refusal: creation is held back for CREATE_RETRY_MS
// and tried again then (a quota may rise, the template be fixed), and the Pool's status carries a
// ReplicaFailure condition (reason FailedCreate, Deployment's words) until a create goes through. A new
// template revision voids the refusal: the fixed template is tried at once.
import type { PoolCondition } from '../../api/v1alpha1/conditions.js';
import { formatTime } from '../sandbox/batch-sandbox-status.js';

/** The ApplicationFailure type of a pool pod create the apiserver refused for good. */
export const POOL_POD_CREATE_REFUSED = 'PoolPodCreateRefused';

/** How long creation waits after a refusal before it is tried again. */
export const CREATE_RETRY_MS = 30_000;

export interface PoolCreateRefusal {
  /** The apiserver's answer. */
  message: string;
  /** The template revision it refused. */
  revision: string;
  /** Workflow time (ms) of the refusal. */
  at: number;
}

/** The refusal, unless the template changed since (then it says nothing about the pods to come). */
export function currentRefusal(refusal: PoolCreateRefusal | undefined, revision: string): PoolCreateRefusal | undefined {
  return refusal?.revision === revision ? refusal : undefined;
}

/** How long creation is still held back after `refusal` (ms), or undefined when it may go ahead. */
export function createHeldBackFor(refusal: PoolCreateRefusal | undefined, now: number): number | undefined {
  if (refusal === undefined) return undefined;
  const left = refusal.at + CREATE_RETRY_MS - now;
  return left > 0 ? left : undefined;
}

export function replicaFailureCondition(refusal: PoolCreateRefusal): PoolCondition {
  return {
    type: 'ReplicaFailure',
    status: 'True',
    reason: 'FailedCreate',
    message: `pool pods cannot be created: ${refusal.message}`,
    lastTransitionTime: formatTime(new Date(refusal.at)),
  };
}
