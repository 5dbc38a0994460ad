// Eviction of pool pods (spec §4.6): a handler, chosen per Pool, says which pods are asked to leave the pool.
// Idle ones are deleted this round and stop counting as schedulable; allocated ones are protected until
// their sandbox releases them. A pod asked to leave is never handed out again.
import { LABELS } from '../../api/v1alpha1/contract.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import { isReadyPod, isTerminatingPod, type PodDigest } from './pool-observation.js';

/**
 * Decides which pool pods are to be evicted. Upstream's `Evict(pod)` is not part of it: evicting an idle
 * pod is deleting it, an I/O step the caller runs from planEviction's result (event `PodEvicted`,
 * "Evicted idle pod: <name>"). Handlers are plain functions so that workflows can run them.
 */
export interface EvictionHandler {
  /** The value of the Pool label pool.opensandbox.io/eviction-handler that selects this handler. */
  readonly name: string;
  needsEviction(pod: PodDigest): boolean;
}

/** Evicts pods labelled pool.opensandbox.io/evict (any value, empty included) that are not already going. */
export const defaultEvictionHandler: EvictionHandler = {
  name: 'default',
  needsEviction: (pod) => pod.evict === true && !isTerminatingPod(pod),
};

const HANDLERS: ReadonlyMap<string, EvictionHandler> = new Map([[defaultEvictionHandler.name, defaultEvictionHandler]]);

export interface EvictionHandlerChoice {
  handler: EvictionHandler;
  /** Set when the Pool names a handler that does not exist (the default is used instead). */
  warning?: string;
}

/** The handler the Pool's eviction-handler label selects; absent or empty selects the default. */
export function evictionHandlerFor(pool: Pick<Pool, 'metadata'>): EvictionHandlerChoice {
  const name = pool.metadata.labels?.[LABELS.evictionHandler];
  if (!name) return { handler: defaultEvictionHandler };
  const handler = HANDLERS.get(name);
  if (handler) return { handler };
  return {
    handler: defaultEvictionHandler,
    warning: `unknown eviction handler "${name}" in label ${LABELS.evictionHandler}; using "${defaultEvictionHandler.name}"`,
  };
}

export interface EvictionPlan {
  /** Idle pods to delete now; they are no longer schedulable. */
  evict: string[];
  /** Allocated pods that need eviction: kept (and schedulable) until released, never allocated again. */
  protected: string[];
}

export function planEviction(pods: readonly PodDigest[], allocatedPodNames: readonly string[], handler: EvictionHandler): EvictionPlan {
  const allocated = new Set(allocatedPodNames);
  const plan: EvictionPlan = { evict: [], protected: [] };
  for (const pod of pods) {
    if (!handler.needsEviction(pod)) continue;
    (allocated.has(pod.name) ? plan.protected : plan.evict).push(pod.name);
  }
  return plan;
}

/**
 * Whether an idle pool pod may be handed to a sandbox: Ready, not terminating, not asked to leave, and
 * from the current template revision (an old-revision pod is waiting to be replaced by the rollout).
 */
export function isAllocatable(pod: PodDigest, currentRevision: string, handler: EvictionHandler): boolean {
  return isReadyPod(pod) && !isTerminatingPod(pod) && !handler.needsEviction(pod) && pod.revision === currentRevision;
}
