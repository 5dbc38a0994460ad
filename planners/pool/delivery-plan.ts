// What each delivery of a pool round writes, decided in the round from its observation: the sandbox's
// alloc-status, endpoints and pool-allocation finalizer in one metadata patch, conditional on the
// resourceVersion observed, then its runtime status in one status patch. The delivery activity writes
// these two bodies and nothing else; after a conflict it re-reads the sandbox and asks deliveryWrites
// again (planners/pool/delivery-conflict.ts says how the two alloc-status lists merge), which leaves out
// a write the sandbox already holds (the same delivery made by a workflow task that timed out and still
// ran on: writing it again would be a duplicate).
import type { BatchSandbox, BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS } from '../../api/v1alpha1/contract.js';
import { API_VERSION, BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { mergePatchChanges } from '../kube/merge-patch.js';
import { runtimeStatus } from '../sandbox/batch-sandbox-status.js';
import type { AllocationPlan } from './allocation.js';
import { allocStatusAfterConflict } from './delivery-conflict.js';
import { runtimePodOfDigest, type PoolObservation } from './pool-observation.js';

export interface DeliveryOrder {
  sandbox: string;
  /** The resourceVersion observed: the metadata patch applies only to it. */
  resourceVersion: string;
  /** alloc-status to write: the pods the sandbox holds, in allocation order. */
  allocStatus: string[];
  /** The endpoints annotation: the IPs of those pods not released, as observed. */
  endpoints: string[];
  /** The finalizers as observed (a merge patch of metadata.finalizers replaces the whole list). */
  finalizers: string[];
  /** The runtime status of those pods. */
  status: BatchSandboxStatus;
  /** RFC 3339 creation time, for the allocation latency metric. */
  createdAt: string;
  /** Whether this delivery hands out the sandbox's last missing pods (it is then observed in the latency metric). */
  completes: boolean;
}

/** The sandbox as a retry re-read it after its metadata patch met a conflict. */
export interface CurrentSandbox {
  resourceVersion: string;
  allocated: readonly string[];
  finalizers: readonly string[];
  /** The endpoints annotation as stored. */
  endpoints: string | undefined;
  status: BatchSandboxStatus | undefined;
}

/** A JSON merge patch of the sandbox's metadata. */
export interface MetadataWrite {
  target: 'metadata';
  body: { metadata: { resourceVersion: string; annotations: Record<string, string>; finalizers: string[] } };
}

/** A JSON merge patch of the sandbox's status subresource. */
export interface StatusWrite {
  target: 'status';
  body: { status: BatchSandboxStatus };
}

/** The writes a delivery still has to make, in this order: either may be absent after a conflict. */
export interface DeliveryWrites {
  metadata?: MetadataWrite;
  status?: StatusWrite;
}

/** The orders of a round's deliveries: each one's writes decided from the observation at `now`. */
export function planDeliveries(plan: AllocationPlan, observation: PoolObservation, namespace: string, now: Date): DeliveryOrder[] {
  const pods = new Map(observation.pods.map((p) => [p.name, p]));
  const sandboxes = new Map(observation.sandboxes.map((s) => [s.name, s]));
  return plan.deliveries.map((d) => {
    const s = sandboxes.get(d.sandbox)!;
    const held = d.allocStatus
      .filter((name) => !s.released.includes(name) && !s.releaseRequested.includes(name))
      .flatMap((name) => pods.get(name) ?? [])
      .map(runtimePodOfDigest);
    const sandbox: BatchSandbox = {
      apiVersion: API_VERSION,
      kind: BATCH_SANDBOX.kind,
      metadata: { name: s.name, namespace, generation: s.generation },
      spec: { replicas: s.replicas },
      status: s.status,
    };
    const { status, endpoints } = runtimeStatus({ sandbox, pods: held, now });
    return {
      sandbox: d.sandbox,
      resourceVersion: s.resourceVersion,
      allocStatus: d.allocStatus,
      endpoints,
      finalizers: s.finalizers,
      status,
      createdAt: s.createdAt,
      completes: d.newPods.length > 0 && d.allocStatus.length - s.released.length >= s.replicas,
    };
  });
}

/**
 * A delivery's writes: the metadata patch and the status patch. After a conflict they are rebased on
 * `current` and each one `current` already holds is left out; 'stale' when the sandbox now holds pods the
 * plan never saw (it must be planned again).
 */
export function deliveryWrites(order: DeliveryOrder, current?: CurrentSandbox): DeliveryWrites | 'stale' {
  const allocStatus = current ? allocStatusAfterConflict(order.allocStatus, current.allocated) : order.allocStatus;
  if (allocStatus === 'stale') return 'stale';
  const endpoints = JSON.stringify(order.endpoints);
  const metadata: MetadataWrite = {
    target: 'metadata',
    body: {
      metadata: {
        resourceVersion: current?.resourceVersion ?? order.resourceVersion,
        annotations: { [ANNOTATIONS.allocStatus]: JSON.stringify({ pods: allocStatus }), [ANNOTATIONS.endpoints]: endpoints },
        finalizers: [...new Set([...(current?.finalizers ?? order.finalizers), FINALIZERS.poolAllocation])],
      },
    },
  };
  const status: StatusWrite = { target: 'status', body: { status: order.status } };
  if (!current) return { metadata, status };
  const metadataHeld =
    allocStatus.length === current.allocated.length && current.endpoints === endpoints && current.finalizers.includes(FINALIZERS.poolAllocation);
  if (!metadataHeld) return { metadata, status };
  return mergePatchChanges(current.status, order.status) ? { status } : {};
}
