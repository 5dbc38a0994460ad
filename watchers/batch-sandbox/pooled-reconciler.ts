// A pooled sandbox (poolRef names a Pool): nothing to scale, the pool workflow allocates and writes the
// first status with its delivery. This refreshes the status from the pods in alloc-status minus
// alloc-release, and reports what keeps the sandbox from being served (a missing Pool, a malformed
// allocation annotation, the Pool's ReplicaFailure) as a condition and one Warning Event.
import type { KubernetesObject } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { poolStatusSchema } from '../../api/v1alpha1/pool.js';
import { pooledSandboxProblem } from '../../planners/sandbox/sandbox-problem.js';
import type { InformerView, ResourceInformer } from '../resource-informer.js';
import { readAllocation } from './sandbox-pods.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

/** The message of a Pool's ReplicaFailure condition, while it holds. */
function replicaFailureOf(pool: KubernetesObject | undefined): string | undefined {
  const status = poolStatusSchema.safeParse((pool as { status?: unknown } | undefined)?.status);
  if (!status.success) return undefined;
  const failure = status.data.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return failure ? (failure.message ?? 'ReplicaFailure') : undefined;
}

export class PooledReconciler implements SandboxReconciler {
  constructor(
    private readonly deps: SandboxReconcilerDeps,
    /** hasSynced: until the first list is in, a pool missing from the cache may still exist. */
    private readonly pools: Pick<InformerView<KubernetesObject>, 'get'> & Pick<ResourceInformer<KubernetesObject>, 'hasSynced'>,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    const poolRef = sandbox.spec.poolRef;
    if (!namesPool(poolRef)) return 'continue';
    const annotations = sandbox.metadata.annotations ?? {};
    const namespace = sandbox.metadata.namespace ?? '';
    const allocation = readAllocation(annotations);
    const pool = this.pools.get(poolRef, namespace);
    const problem = pooledSandboxProblem({
      namespace,
      poolRef,
      poolExists: !this.pools.hasSynced() || (pool !== undefined && !pool.metadata?.deletionTimestamp),
      malformedAnnotation: 'malformed' in allocation ? allocation.malformed : undefined,
      poolReplicaFailure: replicaFailureOf(pool),
      waitingForPods: 'allocated' in allocation && allocation.allocated.length < sandbox.spec.replicas,
    });
    this.deps.warnings.problem(key, sandbox, problem);
    // Before the delivery has written alloc-status and the first status (phase), a refresh would race that
    // status write (a wasted, conflicting write on the delivery path): only a problem is reported then.
    const delivered = 'allocated' in allocation && annotations[ANNOTATIONS.allocStatus] !== undefined && sandbox.status?.phase !== undefined;
    if (delivered) await this.deps.writes.runtimeStatus(key, sandbox, this.deps.pods.allocated(sandbox, allocation), problem);
    else await this.deps.writes.problemStatus(key, sandbox, problem);
    return 'done';
  }
}
