// Label, annotation and finalizer keys shared with the OpenSandbox server and the upstream Go operator
// (spec/opensandbox-operator.md §1.5). The strings are the wire contract: never rename them.
import { z } from 'zod';

export const ANNOTATIONS = {
  /** BatchSandbox: `{"pods":[...]}` allocated to it, in allocation order (never pruned). */
  allocStatus: 'sandbox.opensandbox.io/alloc-status',
  /** BatchSandbox: `{"pods":[...]}` whose release is requested. */
  allocRelease: 'sandbox.opensandbox.io/alloc-release',
  /** BatchSandbox: `{"pods":[...]}` whose release has completed. */
  allocReleased: 'sandbox.opensandbox.io/alloc-released',
  /** BatchSandbox: JSON array of pod IPs in pod order, read by the server and ingress. */
  endpoints: 'sandbox.opensandbox.io/endpoints',
  /** Pod: state of a Restart recycle. */
  restartRecord: 'sandbox.opensandbox.io/restart-record',
  /** Pool: Restart recycle configuration. */
  restartConfig: 'sandbox.opensandbox.io/restart-config',
  /** SandboxSnapshot (internal pause snapshot): the BatchSandbox generation whose pause it belongs to. */
  pauseGeneration: 'sandbox.opensandbox.io/pause-generation',
} as const;

export const LABELS = {
  /** Pod: the Pool it belongs to. */
  poolName: 'sandbox.opensandbox.io/pool-name',
  /** Pod: template revision of its Pool. */
  poolRevision: 'sandbox.opensandbox.io/pool-revision',
  /** Pod (non-pooled): replica index. */
  podIndex: 'batch-sandbox.sandbox.opensandbox.io/pod-index',
  /** Pod: the BatchSandbox it serves (non-pooled: set at creation; pooled: set after allocation). */
  batchSandboxName: 'batch-sandbox.sandbox.opensandbox.io/name',
  /** Pod: request eviction of an idle pool pod (any value). */
  evict: 'pool.opensandbox.io/evict',
  /** Pool: selects the eviction handler. */
  evictionHandler: 'pool.opensandbox.io/eviction-handler',
  /** BatchSandbox (set by the server): sandbox id. */
  sandboxId: 'opensandbox.io/id',
  /** Job (commit / unpause): the SandboxSnapshot it works for. */
  sandboxSnapshotName: 'sandbox.opensandbox.io/sandbox-snapshot-name',
  /** Job (commit / unpause): `"true"`, so admission policies can single out host-socket Jobs. */
  privilegedNodeAccess: 'sandbox.opensandbox.io/privileged-node-access',
} as const;

export const FINALIZERS = {
  taskCleanup: 'batch-sandbox.sandbox.opensandbox.io/task-cleanup',
  poolAllocation: 'pool.sandbox.opensandbox.io/pool-allocation',
  snapshotCleanup: 'sandboxsnapshot.sandbox.opensandbox.io/cleanup',
} as const;

/** Shape of the alloc-status / alloc-release / alloc-released annotation values. */
export interface AllocationAnnotation {
  pods: string[];
}

// `{}` and `{"pods":null}` are what Go's encoding/json writes for an empty list: they mean no pods.
export const allocationAnnotationSchema = z.object({
  pods: z
    .array(z.string())
    .nullish()
    .transform((pods) => pods ?? []),
});

/** Parses an alloc-status / alloc-release / alloc-released value; throws with the reason when malformed. */
export function parseAllocationAnnotation(value: string): AllocationAnnotation {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = allocationAnnotationSchema.safeParse(json);
  if (!parsed.success) throw new Error(`expected {"pods":[<pod name>, ...]}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
