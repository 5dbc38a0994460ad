// What one pool round observes, in a compact, JSON-serialisable form: it crosses the activity/workflow
// boundary and is recorded in the pool workflow's history, so it holds only what planning reads.
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import type { Pool, PoolStatus } from '../../api/v1alpha1/pool.js';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';

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
 * Temporal payload and gRPC limits many times over. `podFromDigest` turns it back into the (minimal)
 * V1Pod the planners take.
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

export interface PoolObservation<Pod = PodDigest> {
  /**
   * Absent when the Pool no longer exists (or is being deleted). `status` is the status as stored, which
   * may not be the one the workflow last wrote (see lastWrittenStatusHolds).
   */
  pool: { object: Pool; revision: string; status?: PoolStatus } | undefined;
  /** Pods of this Pool object (owner UID). */
  pods: Pod[];
  sandboxes: SandboxView[];
}

/** An observation with its pods as V1Pods, as the planners take them. */
export type PoolSnapshot = PoolObservation<V1Pod>;

export function snapshotOf(observation: PoolObservation): PoolSnapshot {
  return { ...observation, pods: observation.pods.map(podFromDigest) };
}

export function podFromDigest(d: PodDigest): V1Pod {
  const labels: Record<string, string> = {};
  if (d.revision !== undefined) labels[LABELS.poolRevision] = d.revision;
  if (d.evict) labels[LABELS.evict] = '';
  if (d.sandbox !== undefined) labels[LABELS.batchSandboxName] = d.sandbox;
  return {
    metadata: {
      name: d.name,
      labels,
      creationTimestamp: d.createdAt as unknown as Date,
      deletionTimestamp: d.deletingSince as unknown as Date,
      resourceVersion: d.restart?.resourceVersion,
      annotations: d.restart?.record === undefined ? undefined : { [ANNOTATIONS.restartRecord]: d.restart.record },
    },
    spec: { containers: [], nodeName: d.node },
    status: {
      phase: d.phase,
      podIP: d.ip,
      conditions: d.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: d.readySince as unknown as Date }] : [],
      containerStatuses: [
        // Real containers first: a container named like the summary below must still be found by name.
        ...Object.entries(d.restart?.running ?? {}).map(([name, containerID]) => ({
          name,
          containerID,
          image: '',
          imageID: '',
          ready: d.readySince !== undefined,
          restartCount: 0,
          state: { running: {} },
        })),
        {
          name: 'digest',
          image: '',
          imageID: '',
          ready: d.readySince !== undefined,
          restartCount: d.restarts ?? 0,
          state: d.failing ? { waiting: { reason: d.failing } } : {},
        },
      ],
    },
  };
}
