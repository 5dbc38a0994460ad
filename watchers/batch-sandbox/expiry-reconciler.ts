// spec.expireTime: a sandbox is deleted once it has passed, else a wake-up is armed for it. The deadline
// lives in the object, so a restarted operator re-arms it from the relist.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { BATCH_SANDBOX, GROUP, VERSION } from '../../api/v1alpha1/group.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { expired, msUntilExpiry } from '../../planners/sandbox/expiry.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

export class ExpiryReconciler implements SandboxReconciler {
  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly customObjects: Pick<CustomObjectsApi, 'deleteNamespacedCustomObject'>,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    const now = this.deps.clock.now();
    if (!expired(sandbox, now)) {
      const ms = msUntilExpiry(sandbox, now);
      if (ms !== undefined) this.deps.requeueAfter(key, ms);
      return 'continue';
    }
    const { name, namespace = '', uid } = sandbox.metadata;
    try {
      // The uid precondition spares a new sandbox created under the same name meanwhile.
      await this.customObjects.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: BATCH_SANDBOX.plural,
        name,
        body: { preconditions: { uid } },
      });
    } catch (err) {
      if (isApiStatus(err, 404) || isApiStatus(err, 409)) return 'done';
      throw err;
    }
    this.deps.log.info({ kind: BATCH_SANDBOX.kind, namespace, name, expireTime: sandbox.spec.expireTime }, 'Deleted expired BatchSandbox');
    const message = `expireTime ${sandbox.spec.expireTime} has passed: deleting the BatchSandbox`;
    this.deps.events.record(sandbox, 'Normal', EVENT_REASONS.Expired, message);
    return 'done';
  }
}
