// What one pool round observes, in a compact, JSON-serialisable form: it crosses the activity/workflow
// boundary and is recorded in the pool workflow's history, so it holds only what planning reads.
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import type { Pool, PoolStatus } from '../../api/v1alpha1/pool.js';
import type { RuntimePod } from '../sandbox/batch-sandbox-status.js';

/** A pooled BatchSandbox (poolRef = this pool, no template) as the planners see it. */
export interface SandboxView {
  name: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  /** RFC 3339; demand is served oldest first. */
  createdAt: string;
  deleting: boolean;
  replicas: number;
  /** alloc-status pods, in allocation order. */
  allocated: string[];
  /** alloc-release pods (release requested). */
  releaseRequested: string[];
  /** alloc-released pods (release completed). */
  released: string[];
  hasAllocationFinalizer: boolean;
  /** All finalizers (a merge patch of metadata.finalizers replaces the whole list). */
  finalizers: string[];
  /** The stored status (the delivery's status write builds on it). */
  status: BatchSandboxStatus | undefined;
  /** Set when an allocation annotation is not valid JSON of the expected shape; the sandbox is skipped. */
  malformed: string | undefined;
}

/**
 * A pool pod reduced to what the planners read, about 150 bytes: a 1000-pod observation must fit in
 * Temporal payload and gRPC limits many times over. The pool planners take it as it is
 * (activities/pool-views.ts digestPod makes it from a V1Pod).
 */
export interface PodDigest {
  name: string;
  /** What incremental observations compare (planners/pool/pool-observation-changes.ts). */
  resourceVersion?: string;
  revision?: string;
  /** The sandbox its allocation label names, if any. */
  sandbox?: string;
  /** Labelled `pool.opensandbox.io/evict` (any value). */
  evict?: true;
  /** RFC 3339. */
  createdAt?: string;
  /** RFC 3339; '' for a deletion the pool workflow made that the observation does not show yet. */
  deletingSince?: string;
  phase?: string;
  ip?: string;
  node?: string;
  /** RFC 3339 time PodReady turned True; absent when the pod is not Ready. */
  readySince?: string;
  restarts?: number;
  /** The first failing container waiting reason (CrashLoopBackOff, ...), if any. */
  failing?: string;
  /** Restart recycle only (Pools with that strategy; see RestartFacts). */
  restart?: RestartFacts;
}

/**
 * What the Restart recycle reads of a pod (planners/pool/recycle.ts), carried only for pods of Restart pools:
 * container IDs are long and other pools never need them.
 */
export interface RestartFacts {
  /** Guards the restart-record write: a stale observation must not start a second attempt. */
  resourceVersion: string;
  /** Running containers: name -> container ID ('' when the runtime reports none). */
  running: Record<string, string>;
  /** The pod's restart-record annotation, if set. */
  record?: string;
}

export interface PoolObservation {
  /**
   * Absent when the Pool no longer exists (or is being deleted). `status` is the status as stored, which
   * may not be the one the workflow last wrote (see lastWrittenStatusHolds).
   */
  pool: { object: Pool; revision: string; status?: PoolStatus } | undefined;
  /** Pods of this Pool object (owner UID). */
  pods: PodDigest[];
  sandboxes: SandboxView[];
  /**
   * Pooled sandboxes of the namespace's other Pools still waiting for pods (their status says fewer
   * allocated than replicas): a burst being served there holds this pool's refill (pool-refill.ts).
   * Absent in observations recorded before it was counted.
   */
  waitingInOtherPools?: number;
}

/** Running and Ready (a digest carries readySince only then). */
export function isReadyPod(pod: PodDigest): boolean {
  return pod.phase === 'Running' && pod.readySince !== undefined;
}

/** Being deleted, or deleted by this workflow where the observation does not show it yet. */
export function isTerminatingPod(pod: PodDigest): boolean {
  return pod.deletingSince !== undefined;
}

/** What the runtime status reads of a pool pod. */
export function runtimePodOfDigest(pod: PodDigest): RuntimePod {
  return {
    name: pod.name,
    terminating: isTerminatingPod(pod),
    ready: isReadyPod(pod),
    assigned: Boolean(pod.node) || Boolean(pod.ip),
    ip: pod.ip,
    failing: pod.failing,
  };
}
