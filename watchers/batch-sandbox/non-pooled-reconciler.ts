// A non-pooled sandbox (poolRef absent or ""): the missing pods `<bs>-<i>` are created and those beyond
// spec.replicas deleted, then the endpoints annotation and the status are written from the pods that exist.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import { apiErrorMessage, isApiStatus, isPermanentApiError } from '../../kernel/kube-errors.js';
import { podName } from '../../planners/kube/pod-state.js';
import { planNonPooledPods } from '../../planners/sandbox/non-pooled-pods.js';
import { podCreateProblem } from '../../planners/sandbox/sandbox-problem.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

/** The apiserver refused a pod of a non-pooled sandbox for good (reported as the FailedCreate problem). */
class PodCreateRefused extends Error {
  constructor(
    readonly pod: string,
    message: string,
    options: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PodCreateRefused';
  }
}

export class NonPooledReconciler implements SandboxReconciler {
  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly core: Pick<CoreV1Api, 'createNamespacedPod' | 'deleteNamespacedPod'>,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    const pods = this.deps.pods.owned(sandbox);
    // A failed pod write must not keep the status from reporting the pods that do exist: write it, then fail.
    let scaleFailure: { err: unknown } | undefined;
    await this.scale(key, sandbox, pods).catch((err: unknown) => {
      scaleFailure = { err };
    });
    // A pod the apiserver refuses for good is said on the sandbox, not only in Events; still retried (with
    // the queue's backoff), as a quota may be raised or a webhook fixed.
    const refused = scaleFailure?.err instanceof PodCreateRefused ? podCreateProblem(scaleFailure.err.pod, scaleFailure.err.message) : undefined;
    await this.deps.writes.runtimeStatus(key, sandbox, pods, refused);
    if (scaleFailure) throw scaleFailure.err;
    return 'done';
  }

  /** Creates the missing pods, then deletes the extra ones; the first failure stops and is thrown. */
  private async scale(key: string, sandbox: BatchSandbox, pods: readonly V1Pod[]): Promise<void> {
    const plan = planNonPooledPods(sandbox, pods);
    if (plan.invalidShardPatch) {
      const { index, message } = plan.invalidShardPatch;
      this.deps.warnings.invalid(key, sandbox, EVENT_REASONS.InvalidSpec, `spec.shardPatches[${index}]: ${message}`);
    }
    const namespace = sandbox.metadata.namespace ?? '';
    for (const pod of plan.create) {
      await this.podWrite(sandbox, pod, 'create', () => this.core.createNamespacedPod({ namespace, body: pod }));
    }
    for (const pod of plan.delete) {
      const body = { preconditions: { uid: pod.metadata?.uid } };
      await this.podWrite(sandbox, pod, 'delete', () => this.core.deleteNamespacedPod({ namespace, name: podName(pod), body }));
    }
  }

  /**
   * One pod create or delete, with its Event. A create that finds the pod already there (the cache has not
   * seen it yet) or a delete that finds it gone is what we wanted: no Event, no error.
   */
  private async podWrite(sandbox: BatchSandbox, pod: V1Pod, verb: 'create' | 'delete', write: () => Promise<unknown>): Promise<void> {
    const name = podName(pod);
    const [done, failed, fine] =
      verb === 'create' ? [EVENT_REASONS.SuccessfulCreate, EVENT_REASONS.FailedCreate, 409] : [EVENT_REASONS.SuccessfulDelete, EVENT_REASONS.FailedDelete, 404];
    try {
      await write();
    } catch (err) {
      if (isApiStatus(err, fine)) return;
      this.deps.events.record(sandbox, 'Warning', failed, `failed to ${verb} pod ${name}: ${apiErrorMessage(err)}`);
      if (verb === 'create' && isPermanentApiError(err)) throw new PodCreateRefused(name, apiErrorMessage(err), { cause: err });
      throw err;
    }
    const { namespace, name: sandboxName } = sandbox.metadata;
    this.deps.log.info({ kind: BATCH_SANDBOX.kind, namespace, name: sandboxName, pod: name, verb }, 'Pod written');
    this.deps.events.record(sandbox, 'Normal', done, `succeed to ${verb} pod ${name}`);
  }
}
