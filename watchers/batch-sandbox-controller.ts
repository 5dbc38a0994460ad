// The BatchSandbox controller of the `watch` role: cheap level-based reconciles, one serial queue key per
// sandbox (spec §2). Each run observes the informer caches and hands the sandbox to one reconciler per
// concern (watchers/batch-sandbox/), in this order; a step that writes ends the run (the write's watch
// event runs the next):
// 1. expiry: delete once spec.expireTime has passed, else arm a wake-up;
// 2. tasks (spec §2.7, ADR 0005): the task-cleanup finalizer, then the tasks workflow is woken;
// 3. a Paused phase no pause wrote is repaired;
// 4. pause/resume (spec §6, ADR 0004): decidePauseIntent starts, cancels or acknowledges;
// 5. poolRef "*" (auto-assign, spec §5) is resolved to a Pool;
// 6. pooled (poolRef names a Pool): the pool workflow allocates; the status is refreshed from alloc-status;
// 7. non-pooled: pods `<bs>-<i>` created or deleted, then the endpoints annotation and the status.
// A sandbox being deleted only has its pause/resume runs cancelled and its tasks woken. An object that does
// not parse gets a Warning Event and a condition and is skipped; a pooled sandbox whose Pool is missing or
// whose allocation annotation does not parse gets a condition saying so and one Warning Event: one bad
// object never stalls the others.
import type { CoreV1Api, CustomObjectsApi, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { AUTO_ASSIGN_POOL_REF, batchSandboxSchema, batchSandboxStatusSchema } from '../api/v1alpha1/batch-sandbox.js';
import { LABELS } from '../api/v1alpha1/contract.js';
import { API_VERSION, BATCH_SANDBOX } from '../api/v1alpha1/group.js';
import type { Clock } from '../kernel/clock.js';
import type { EventRecorder, InvolvedObject } from '../kernel/events.js';
import type { Logger } from '../kernel/logger.js';
import { controllerOf } from '../planners/kube/pod-state.js';
import { invalidSpecProblem } from '../planners/sandbox/sandbox-problem.js';
import type { AssignProfile } from '../planners/auto-assign/assign-plugins.js';
import { ExpiryReconciler } from './batch-sandbox/expiry-reconciler.js';
import { NonPooledReconciler } from './batch-sandbox/non-pooled-reconciler.js';
import { PauseIntentReconciler } from './batch-sandbox/pause-intent-reconciler.js';
import { PauseSnapshots } from './batch-sandbox/pause-snapshots.js';
import { PausedPhaseRepair } from './batch-sandbox/paused-phase-repair.js';
import { PoolAssignReconciler } from './batch-sandbox/pool-assign-reconciler.js';
import { PooledReconciler } from './batch-sandbox/pooled-reconciler.js';
import { SandboxPods } from './batch-sandbox/sandbox-pods.js';
import type { SandboxReconciler, SandboxReconcilerDeps } from './batch-sandbox/sandbox-reconciler.js';
import { sandboxRefOf } from './batch-sandbox/sandbox-ref.js';
import { SandboxWarnings } from './batch-sandbox/sandbox-warnings.js';
import { SandboxWrites } from './batch-sandbox/sandbox-writes.js';
import { TaskReconciler } from './batch-sandbox/task-reconciler.js';
import type { LifecycleWorkflows } from './lifecycle-workflows.js';
import type { TaskWorkflows } from './task-workflows.js';
import { INFORMER_EVENT_TYPES, type Backoff, type InformerView, type ResourceInformer } from './resource-informer.js';
import { SerialQueue } from './serial-queue.js';

export interface BatchSandboxControllerOptions {
  informers: {
    batchSandboxes: InformerView<KubernetesObject>;
    pods: InformerView<V1Pod>;
    /**
     * Candidates for poolRef "*", and whether a named pool exists; their events wake the sandboxes that
     * wait on them. hasSynced: until the first list is in, a pool missing from the cache may still exist.
     */
    pools: InformerView<KubernetesObject> & Pick<ResourceInformer<KubernetesObject>, 'hasSynced'>;
    /**
     * The sandboxes' pause snapshots (needed with `lifecycle`). hasSynced: until the first list is in, a
     * snapshot missing from the cache may still exist, so no answer about it is written.
     */
    sandboxSnapshots?: InformerView<KubernetesObject> & Pick<ResourceInformer<KubernetesObject>, 'hasSynced'>;
  };
  /** Starts and cancels the pause/resume workflows; without it spec.pause is not acted on. */
  lifecycle?: LifecycleWorkflows;
  /** Starts and wakes the tasks workflows; without it taskTemplate is not acted on. */
  tasks?: TaskWorkflows;
  customObjects: Pick<
    CustomObjectsApi,
    'patchNamespacedCustomObject' | 'patchNamespacedCustomObjectStatus' | 'deleteNamespacedCustomObject' | 'listNamespacedCustomObject'
  >;
  core: Pick<CoreV1Api, 'createNamespacedPod' | 'deleteNamespacedPod'>;
  events: EventRecorder;
  log: Logger;
  clock: Clock;
  /** The auto-assign profile in force (AssignProfileSource); the built-in default when absent. */
  assignProfile?: () => AssignProfile;
  /** Sandboxes reconciled at once; upstream's default is 32. */
  concurrency?: number;
  backoff?: Backoff;
}

const KIND = BATCH_SANDBOX.kind;

export function batchSandboxKey(namespace: string, name: string): string {
  return `${KIND}/${namespace}/${name}`;
}

/** A zod issue path as kubectl prints field paths: spec.template.spec.containers[0].name */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export class BatchSandboxController {
  private readonly opts: BatchSandboxControllerOptions;
  private readonly queue: SerialQueue;
  private readonly writes: SandboxWrites;
  private readonly warnings: SandboxWarnings;
  private readonly tasks: TaskReconciler | undefined;
  private readonly pauseIntent: PauseIntentReconciler | undefined;
  /** The concerns of a sandbox that is not being deleted, in the order they run. */
  private readonly chain: readonly SandboxReconciler[];
  private started = false;

  constructor(opts: BatchSandboxControllerOptions) {
    this.opts = opts;
    const log = opts.log.child({ controller: 'batchsandbox' });
    this.queue = new SerialQueue({
      name: 'batchsandbox',
      worker: (key) => this.reconcile(key),
      log,
      clock: opts.clock,
      concurrency: opts.concurrency ?? 32,
      backoff: opts.backoff,
    });
    this.writes = new SandboxWrites(opts.customObjects, opts.clock);
    this.warnings = new SandboxWarnings(opts.events, log);
    const deps: SandboxReconcilerDeps = {
      writes: this.writes,
      warnings: this.warnings,
      pods: new SandboxPods(opts.informers.pods),
      events: opts.events,
      log,
      clock: opts.clock,
      requeueAfter: (key, ms) => this.queue.enqueueAfter(key, ms),
    };
    const snapshots = new PauseSnapshots(opts.informers.sandboxSnapshots, opts.customObjects);
    this.tasks = opts.tasks && new TaskReconciler(deps, opts.tasks);
    this.pauseIntent = opts.lifecycle && new PauseIntentReconciler(deps, opts.lifecycle, snapshots);
    this.chain = [
      new ExpiryReconciler(deps, opts.customObjects),
      ...(this.tasks ? [this.tasks] : []),
      new PausedPhaseRepair(deps, snapshots),
      ...(this.pauseIntent ? [this.pauseIntent] : []),
      new PoolAssignReconciler(deps, opts.informers.pools, opts.assignProfile),
      new PooledReconciler(deps, opts.informers.pools),
      new NonPooledReconciler(deps, opts.core),
    ];
  }

  /** Subscribes to the informers; call before starting them so their initial list is reconciled. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const event of INFORMER_EVENT_TYPES) {
      this.opts.informers.batchSandboxes.on(event, (obj) => {
        const { namespace, name } = obj.metadata ?? {};
        if (namespace && name) this.queue.enqueue(batchSandboxKey(namespace, name));
      });
      this.opts.informers.pods.on(event, (pod) => this.enqueueSandboxOf(pod));
      this.opts.informers.pools.on(event, (pool) => this.enqueueSandboxesOfPool(pool));
    }
    // A sandbox deleted without finalizers is gone before a reconcile sees its deletionTimestamp.
    this.opts.informers.batchSandboxes.on('delete', (obj) => {
      const ref = sandboxRefOf(obj);
      if (ref) this.pauseIntent?.sandboxDeleted(ref);
    });
  }

  /** Stops taking work and waits for the reconciles in flight. */
  stop(): Promise<void> {
    return this.queue.stop();
  }

  /** Non-pooled pods name their sandbox in their controller reference, pooled pods in a label. */
  private enqueueSandboxOf(pod: V1Pod): void {
    const owner = controllerOf(pod);
    const ownedBySandbox = owner?.kind === KIND && owner.apiVersion === API_VERSION;
    const name = ownedBySandbox ? owner.name : pod.metadata?.labels?.[LABELS.batchSandboxName];
    const namespace = pod.metadata?.namespace;
    if (namespace && name) this.queue.enqueue(batchSandboxKey(namespace, name));
  }

  /**
   * A Pool appeared, changed or left: sandboxes naming it may see it appear or go (PoolNotFound), and a
   * sandbox waiting for an eligible Pool ("*") may now have one.
   */
  private enqueueSandboxesOfPool(pool: KubernetesObject): void {
    const { namespace, name } = pool.metadata ?? {};
    if (!namespace || !name) return;
    for (const bs of this.opts.informers.batchSandboxes.list(namespace)) {
      const { spec, metadata } = bs as { spec?: { poolRef?: string }; metadata?: { name?: string } };
      const waits = spec?.poolRef === name || spec?.poolRef === AUTO_ASSIGN_POOL_REF;
      if (waits && metadata?.name) this.queue.enqueue(batchSandboxKey(namespace, metadata.name));
    }
  }

  private async reconcile(key: string): Promise<void> {
    const [, namespace = '', name = ''] = key.split('/');
    const raw = this.writes.latest(key, this.opts.informers.batchSandboxes.get(name, namespace));
    if (raw === undefined) {
      this.warnings.forget(key);
      for (const step of this.chain) step.forget?.(key);
      return;
    }
    const parsed = batchSandboxSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const object: InvolvedObject = {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, namespace, uid: raw.metadata?.uid, resourceVersion: raw.metadata?.resourceVersion },
      };
      const problem = invalidSpecProblem(`${fieldPath(issue.path)}: ${issue.message}`);
      this.warnings.problem(key, object, problem);
      // The status says it too (it may itself be what is malformed: then a fresh one is written).
      const status = batchSandboxStatusSchema.safeParse((raw as { status?: unknown }).status);
      await this.writes.problemStatus(key, { metadata: object.metadata, status: status.success ? status.data : undefined }, problem);
      return;
    }
    const sandbox = parsed.data;
    if (sandbox.metadata.deletionTimestamp) {
      const ref = sandboxRefOf(sandbox);
      if (ref) this.pauseIntent?.sandboxDeleted(ref);
      await this.tasks?.wake(key, sandbox);
      return;
    }
    for (const step of this.chain) {
      if ((await step.reconcile(key, sandbox)) === 'done') return;
    }
  }
}
