// Turns API objects into the compact views a pool round plans with (planners/pool-observation.ts).
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, FINALIZERS } from '../api/v1alpha1/contract.js';
import type { BatchSandboxStatus } from '../api/v1alpha1/batch-sandbox.js';
import type { SandboxView } from '../planners/pool-observation.js';

/**
 * A pod with only the fields the pool planners read: observations are recorded in workflow history,
 * and a full pod is ten times larger.
 */
export function trimPod(pod: V1Pod): V1Pod {
  const { metadata = {}, spec, status = {} } = pod;
  return {
    metadata: {
      name: metadata.name,
      uid: metadata.uid,
      labels: metadata.labels,
      annotations: metadata.annotations,
      creationTimestamp: metadata.creationTimestamp,
      deletionTimestamp: metadata.deletionTimestamp,
    },
    spec: { containers: [], nodeName: spec?.nodeName },
    status: {
      phase: status.phase,
      podIP: status.podIP,
      conditions: status.conditions?.map(({ type, status: s, lastTransitionTime }) => ({ type, status: s, lastTransitionTime })),
      containerStatuses: status.containerStatuses?.map(({ name, containerID, ready, restartCount, state, image, imageID }) => ({
        name,
        containerID,
        ready,
        restartCount,
        state,
        image,
        imageID,
      })),
    },
  };
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

export function toSandboxView(bs: RawBatchSandbox): SandboxView {
  const annotations = bs.metadata.annotations ?? {};
  const problems: string[] = [];
  const read = (key: string): string[] => {
    const value = annotations[key];
    if (value === undefined || value === '') return [];
    const parsed = parseAllocation(value);
    if (parsed === undefined) problems.push(`annotation ${key} is not valid {"pods":[...]} JSON: ${truncate(value)}`);
    return parsed ?? [];
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

/** `{"pods":["a","b"]}` -> ["a","b"]; anything else -> undefined. */
export function parseAllocation(value: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const pods = (parsed as { pods?: unknown }).pods;
    // `{}` and `{"pods":null}` are what Go writes for an empty list.
    if (pods === undefined || pods === null) return [];
    if (Array.isArray(pods) && pods.every((p) => typeof p === 'string')) return pods;
    return undefined;
  } catch {
    return undefined;
  }
}

function isoString(value: string | Date | undefined): string {
  if (value === undefined) return '';
  return value instanceof Date ? value.toISOString() : value;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
