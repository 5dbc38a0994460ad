// Every write the BatchSandbox controller makes to a sandbox: JSON merge patches guarded by the
// resourceVersion they were computed from, so another writer (a pause workflow, the pool workflow's
// delivery) is never overwritten with stale data. It remembers the apiserver's answer to its own last
// write, since the informer cache lags behind it: a reconcile starts from that answer meanwhile.
import type { CustomObjectsApi, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox, BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, VERSION } from '../../api/v1alpha1/group.js';
import type { Clock } from '../../kernel/clock.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { computeRuntimeStatus, endpointsPatchValue, sameStatus, statusPatchNeeded } from '../../planners/sandbox/batch-sandbox-status.js';
import { withSandboxProblem, type SandboxProblem } from '../../planners/sandbox/sandbox-problem.js';
import { RetryLater } from '../serial-queue.js';

/** What a status write needs of a sandbox: which object (and version), and its status (a sandbox whose spec does not parse has only these). */
export type SandboxStatusView = Pick<BatchSandbox, 'metadata'> & { status?: BatchSandboxStatus | undefined };

export type SandboxPatchBody = { metadata: { resourceVersion?: string }; spec?: unknown; status?: unknown };

/** The sandbox as the apiserver answered our last write, and the cache versions older than that answer. */
interface OwnWrite {
  object: KubernetesObject;
  staleVersions: Set<string>;
}

export class SandboxWrites {
  private readonly ownWrites = new Map<string, OwnWrite>();

  constructor(
    private readonly customObjects: Pick<CustomObjectsApi, 'patchNamespacedCustomObject' | 'patchNamespacedCustomObjectStatus'>,
    private readonly clock: Clock,
  ) {}

  /** The informer's copy, unless it is older than the answer to our own last write (which is forgotten once it is not). */
  latest(key: string, cached: KubernetesObject | undefined): KubernetesObject | undefined {
    const own = this.ownWrites.get(key);
    if (cached !== undefined && own?.staleVersions.has(cached.metadata?.resourceVersion ?? '')) return own.object;
    this.ownWrites.delete(key);
    return cached;
  }

  /** Endpoints first: a client that sees phase Succeed must find the IPs already there. */
  async runtimeStatus(key: string, sandbox: BatchSandbox, pods: readonly V1Pod[], problem?: SandboxProblem): Promise<void> {
    const now = this.clock.now();
    const runtime = computeRuntimeStatus({ sandbox, pods, now });
    const status = problem ? withSandboxProblem(runtime.status, problem, now)! : runtime.status;
    let resourceVersion = sandbox.metadata.resourceVersion;
    const annotation = endpointsPatchValue(sandbox, runtime.endpoints);
    if (annotation !== undefined) {
      const body = { metadata: { resourceVersion, annotations: { [ANNOTATIONS.endpoints]: annotation } } };
      resourceVersion = await this.patch(key, sandbox, 'metadata', body);
    }
    if (statusPatchNeeded(sandbox, status, problem !== undefined)) {
      // The whole status as one merge patch, as upstream: lists (conditions) are replaced.
      await this.patch(key, sandbox, 'status', { metadata: { resourceVersion }, status });
    }
  }

  /** The status with `problem` as its condition (or without any), written when that changes it. */
  async problemStatus(key: string, sandbox: SandboxStatusView, problem: SandboxProblem | undefined): Promise<void> {
    const status = withSandboxProblem(sandbox.status, problem, this.clock.now());
    if (status !== undefined && !sameStatus(sandbox.status, status)) {
      await this.patch(key, sandbox, 'status', { metadata: { resourceVersion: sandbox.metadata.resourceVersion }, status });
    }
  }

  /**
   * A JSON merge patch carrying metadata.resourceVersion, so it applies only to the version it was
   * computed from. Returns the new resourceVersion; a conflict is retried once the cache has caught up.
   */
  async patch(key: string, sandbox: SandboxStatusView, target: 'metadata' | 'status', body: SandboxPatchBody): Promise<string | undefined> {
    const { name, namespace = '' } = sandbox.metadata;
    const request = { group: GROUP, version: VERSION, namespace, plural: BATCH_SANDBOX.plural, name, body };
    let updated: KubernetesObject;
    try {
      updated = (
        target === 'status'
          ? await this.customObjects.patchNamespacedCustomObjectStatus(request, MERGE_PATCH)
          : await this.customObjects.patchNamespacedCustomObject(request, MERGE_PATCH)
      ) as KubernetesObject;
    } catch (err) {
      if (!isApiStatus(err, 409) && !isApiStatus(err, 404)) throw err;
      this.ownWrites.delete(key);
      const message = `BatchSandbox ${namespace}/${name} changed or went away during the ${target} patch`;
      throw new RetryLater(message, { cause: err });
    }
    const own = this.ownWrites.get(key) ?? { object: updated, staleVersions: new Set<string>() };
    own.object = updated;
    if (body.metadata.resourceVersion) own.staleVersions.add(body.metadata.resourceVersion);
    this.ownWrites.set(key, own);
    return updated.metadata?.resourceVersion;
  }
}
