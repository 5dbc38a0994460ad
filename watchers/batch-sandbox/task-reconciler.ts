// taskTemplate (spec §2.7, ADR 0005): a sandbox with tasks gets the task-cleanup finalizer first, then its
// tasks workflow is signalled (started if need be) whenever what it acts on changes: spec, phase,
// deletion, pods, IPs. The workflow's own counter writes change none of these, so they wake nothing.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { FINALIZERS } from '../../api/v1alpha1/contract.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import { isTerminating, podName } from '../../planners/kube/pod-state.js';
import { planTaskSpecs } from '../../planners/tasks/task-specs.js';
import type { TaskWorkflows } from '../task-workflows.js';
import { sandboxRefOf } from './sandbox-ref.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

export class TaskReconciler implements SandboxReconciler {
  /** What the tasks workflow of each sandbox was last signalled for (see wake). */
  private readonly digests = new Map<string, string>();

  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly tasks: TaskWorkflows,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    const finalizers = sandbox.metadata.finalizers ?? [];
    if (sandbox.spec.taskTemplate !== undefined && !finalizers.includes(FINALIZERS.taskCleanup)) {
      const metadata = { resourceVersion: sandbox.metadata.resourceVersion, finalizers: [...finalizers, FINALIZERS.taskCleanup] };
      await this.deps.writes.patch(key, sandbox, 'metadata', { metadata });
      return 'done';
    }
    await this.wake(key, sandbox);
    return 'continue';
  }

  forget(key: string): void {
    this.digests.delete(key);
  }

  /**
   * Signals the sandbox's tasks workflow when what it acts on has changed since the last signal (a
   * deleted sandbox too: its tasks are released). A task spec that cannot be built is reported like a
   * bad shard patch.
   */
  async wake(key: string, sandbox: BatchSandbox): Promise<void> {
    const ref = sandboxRefOf(sandbox);
    const hasFinalizer = (sandbox.metadata.finalizers ?? []).includes(FINALIZERS.taskCleanup);
    if (!ref || sandbox.spec.taskTemplate === undefined || !hasFinalizer) return;
    const pods = this.deps.pods.of(sandbox);
    const digest = JSON.stringify([
      sandbox.metadata.generation,
      sandbox.status?.phase,
      Boolean(sandbox.metadata.deletionTimestamp),
      pods.map((pod) => [podName(pod), pod.status?.podIP, isTerminating(pod)]),
    ]);
    if (this.digests.get(key) === digest) return;
    // Building every replica's task is work a pod event need not repeat: only when the run is woken.
    const specs = planTaskSpecs(sandbox);
    if (!specs.ok) this.deps.warnings.invalid(key, sandbox, EVENT_REASONS.InvalidSpec, `spec.taskTemplate: ${specs.message}`);
    await this.tasks.sandboxChanged(ref);
    this.digests.set(key, digest);
  }
}
