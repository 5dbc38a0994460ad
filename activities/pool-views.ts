// Turns API objects into the compact views a pool round plans with (planners/pool/pool-observation.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, FINALIZERS, LABELS, parseAllocationAnnotation } from '../api/v1alpha1/contract.js';
import { namesPool, type BatchSandboxStatus } from '../api/v1alpha1/batch-sandbox.js';
import { failingReason, isReady } from '../planners/kube/pod-state.js';
import type { PodDigest, RestartFacts, SandboxView } from '../planners/pool/pool-observation.js';
import { podRevision } from '../planners/pool/pool-pod.js';

/** `restartFacts`: the pod's pool recycles by Restart (see RestartFacts). */
export function digestPod(pod: V1Pod, restartFacts = false): PodDigest {
  const labels = pod.metadata?.labels ?? {};
  const ready = isReady(pod) ? pod.status?.conditions?.find((c) => c.type === 'Ready') : undefined;
  const restarts = Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
  const digest: PodDigest = {
    name: pod.metadata?.name ?? '',
    resourceVersion: pod.metadata?.resourceVersion,
    revision: podRevision(pod),
    sandbox: labels[LABELS.batchSandboxName],
    evict: LABELS.evict in labels ? true : undefined,
    createdAt: isoString(pod.metadata?.creationTimestamp),
    deletingSince: pod.metadata?.deletionTimestamp ? isoString(pod.metadata.deletionTimestamp) : undefined,
    phase: pod.status?.phase,
    ip: pod.status?.podIP || undefined,
    node: pod.spec?.nodeName || undefined,
    // A Ready pod always reports since when; the creation time stands in for a condition without one.
    readySince: ready ? isoString(ready.lastTransitionTime ?? pod.metadata?.creationTimestamp) : undefined,
    restarts: restarts > 0 ? restarts : undefined,
    failing: failingReason(pod),
    restart: restartFacts ? restartFactsOf(pod) : undefined,
  };
  // Absent, not undefined: undefined fields would still cost bytes in some encoders and clutter history.
  return Object.fromEntries(Object.entries(digest).filter(([, v]) => v !== undefined)) as unknown as PodDigest;
}

function restartFactsOf(pod: V1Pod): RestartFacts {
  const running: Record<string, string> = {};
  for (const status of pod.status?.containerStatuses ?? []) {
    if (status.state?.running) running[status.name] = status.containerID ?? '';
  }
  const record = pod.metadata?.annotations?.[ANNOTATIONS.restartRecord];
  return { resourceVersion: pod.metadata?.resourceVersion ?? '', running, ...(record === undefined ? {} : { record }) };
}

/** A BatchSandbox as a raw API object (validated by the controllers, not here). */
export interface RawBatchSandbox {
  metadata: {
    name: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string | Date;
    deletionTimestamp?: string | Date;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec: { replicas?: number; poolRef?: string; template?: unknown };
  status?: BatchSandboxStatus;
}

/**
 * Whether `bs` is a pooled sandbox of a Pool other than `pool` that still waits for pods: not being
 * deleted, and its status shows fewer pods allocated than replicas (read from the status, not the
 * annotations: every observation counts these over the whole namespace).
 */
export function waitsInAnotherPool(bs: RawBatchSandbox, pool: string): boolean {
  const { poolRef, template, replicas } = bs.spec;
  if (!namesPool(poolRef) || poolRef === pool || template !== undefined || bs.metadata.deletionTimestamp) return false;
  return (bs.status?.allocated ?? 0) < (replicas ?? 1);
}

export function toSandboxView(bs: RawBatchSandbox): SandboxView {
  const annotations = bs.metadata.annotations ?? {};
  const problems: string[] = [];
  const read = (key: string): string[] => {
    const value = annotations[key];
    if (value === undefined || value === '') return [];
    try {
      return parseAllocationAnnotation(value).pods;
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message} (value ${truncate(value)})`);
      return [];
    }
  };
  return {
    name: bs.metadata.name,
    uid: bs.metadata.uid ?? '',
    resourceVersion: bs.metadata.resourceVersion ?? '',
    generation: bs.metadata.generation ?? 0,
    createdAt: isoString(bs.metadata.creationTimestamp),
    deleting: Boolean(bs.metadata.deletionTimestamp),
    replicas: bs.spec.replicas ?? 1,
    allocated: read(ANNOTATIONS.allocStatus),
    releaseRequested: read(ANNOTATIONS.allocRelease),
    released: read(ANNOTATIONS.allocReleased),
    hasAllocationFinalizer: (bs.metadata.finalizers ?? []).includes(FINALIZERS.poolAllocation),
    finalizers: bs.metadata.finalizers ?? [],
    status: bs.status,
    malformed: problems.length > 0 ? problems.join('; ') : undefined,
  };
}

function isoString(value: string | Date | undefined): string {
  if (value === undefined) return '';
  return value instanceof Date ? value.toISOString() : value;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
