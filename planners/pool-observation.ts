// What one pool round observes, in a compact, JSON-serialisable form: it crosses the activity/workflow
// boundary and is recorded in the pool workflow's history, so it holds only what planning reads
// (pods are trimmed to the fields the planners look at).
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandboxStatus } from '../api/v1alpha1/batch-sandbox.js';
import type { Pool } from '../api/v1alpha1/pool.js';

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

export interface PoolObservation {
  /** Absent when the Pool no longer exists (or is being deleted). */
  pool: { object: Pool; revision: string } | undefined;
  /** Pods of this Pool object (owner UID), trimmed. */
  pods: V1Pod[];
  sandboxes: SandboxView[];
}
