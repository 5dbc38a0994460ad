// The BatchSandbox controller of the `watch` role: cheap level-based reconciles, one serial queue key per
// sandbox (spec §2). Each run observes the informer caches, asks the pure planners what to do and
// performs only the writes they call for:
// - every sandbox not being deleted: expiry (delete once spec.expireTime has passed, else a timer; the
//   deadline lives in the object, so a restarted operator re-arms it from the relist);
// - non-pooled (poolRef absent or ""): create missing pods `<bs>-<i>`, delete pods beyond spec.replicas;
// - pooled (poolRef names a Pool): nothing to scale, the pool workflow allocates and writes the first
//   delivery itself; pods are those named in alloc-status minus alloc-release;
// - both: the endpoints annotation, then the status (merge patches, guarded by resourceVersion);
// - poolRef "*" (auto-assign, spec §5): one merge patch resolving it to the Pool the planner chooses, after
//   which the sandbox is pooled like any other. With no eligible Pool a Warning Event says why, and Pool
//   events re-enqueue the waiting sandboxes of their namespace (no retry loop).
// - pause/resume (spec §6, ADR 0004): before all of the above, decidePauseIntent on the object and its pause
//   snapshots starts, cancels or acknowledges; the pause and resume workflows own the phase meanwhile.
// - taskTemplate (spec §2.7, ADR 0005): the task-cleanup finalizer first, then the sandbox's tasks workflow
//   is signalled (started if need be) whenever what it acts on changes: spec, phase, deletion, pods, IPs.
// An object that does not parse gets a Warning Event and is skipped; a pooled sandbox whose Pool is
// missing or whose allocation annotation does not parse gets a condition saying so and one Warning Event:
// one bad object never stalls the others.
import { type CoreV1Api, type CustomObjectsApi, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import {
  AUTO_ASSIGN_POOL_REF,
  batchSandboxSchema,
  batchSandboxStatusSchema,
  namesPool,
  type BatchSandbox,
  type BatchSandboxStatus,
} from '../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS, LABELS, parseAllocationAnnotation } from '../api/v1alpha1/contract.js';
import { API_VERSION, BATCH_SANDBOX, GROUP, SANDBOX_SNAPSHOT, VERSION } from '../api/v1alpha1/group.js';
import { poolSchema, poolStatusSchema, type Pool } from '../api/v1alpha1/pool.js';
import { sandboxSnapshotSchema, type SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import type { SandboxRef } from '../api/object-refs.js';
import type { Clock } from '../kernel/clock.js';
import { EVENT_REASONS, type EventRecorder, type InvolvedObject } from '../kernel/events.js';
import { apiErrorMessage, isApiStatus, isPermanentApiError } from '../kernel/kube-errors.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import type { Logger } from '../kernel/logger.js';
import { computeRuntimeStatus, endpointsPatchValue, sameStatus, statusPatchNeeded } from '../planners/sandbox/batch-sandbox-status.js';
import {
  invalidSpecProblem,
  noEligiblePoolProblem,
  podCreateProblem,
  pooledSandboxProblem,
  withSandboxProblem,
  type SandboxProblem,
} from '../planners/sandbox/sandbox-problem.js';
import { expired, msUntilExpiry } from '../planners/sandbox/expiry.js';
import { decidePauseIntent, type PauseIntentDecision } from '../planners/lifecycle/pause-intent.js';
import { resumeWakeState } from '../planners/lifecycle/resume-progress.js';
import { RESUME_SOURCE_REFUSALS } from '../planners/lifecycle/resume-source.js';
import { nextPauseStatus, type PauseLifecycleEvent } from '../planners/lifecycle/pause-status.js';
import { isPauseSnapshot } from '../planners/lifecycle/snapshot-names.js';
import { planNonPooledPods, sortByIndex } from '../planners/sandbox/non-pooled-pods.js';
import { controllerOf, isTerminating, podName } from '../planners/kube/pod-state.js';
import { planTaskSpecs } from '../planners/tasks/task-specs.js';
import { unbackedPausedPhase } from '../planners/lifecycle/unbacked-paused-phase.js';
import type { AssignProfile } from '../planners/auto-assign/assign-plugins.js';
import { choosePool } from '../planners/auto-assign/pool-auto-assign.js';
import { mayServePooledSandbox } from '../planners/pool/pool-pod.js';
import type { LifecycleWorkflows } from './lifecycle-workflows.js';
import type { TaskWorkflows } from './task-workflows.js';
import { INFORMER_EVENT_TYPES, type Backoff, type ResourceInformer } from './resource-informer.js';
import { RetryLater, SerialQueue } from './serial-queue.js';

/** What the controller needs of an informer (tests pass fakes). */
export type InformerView<T extends KubernetesObject> = Pick<ResourceInformer<T>, 'on' | 'get' | 'list'>;

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
/** How often a Pausing sandbox's pause run is checked for life (a run terminated or timed out is restarted). */
const PAUSE_RUN_CHECK_MS = 15_000;

const SNAPSHOT_REFUSALS: ReadonlySet<string> = new Set(RESUME_SOURCE_REFUSALS);

/** This sandbox's pause snapshots among `objects` (any phase). */
function pauseSnapshotsIn(objects: readonly KubernetesObject[], sandbox: BatchSandbox): SandboxSnapshot[] {
  return objects.flatMap((raw): SandboxSnapshot[] => {
    const parsed = sandboxSnapshotSchema.safeParse(raw);
    const ours = parsed.success && parsed.data.spec.sandboxName === sandbox.metadata.name && isPauseSnapshot(parsed.data);
    return ours ? [parsed.data] : [];
  });
}

export function batchSandboxKey(namespace: string, name: string): string {
  return `${KIND}/${namespace}/${name}`;
}

/** A zod issue path as kubectl prints field paths: spec.template.spec.containers[0].name */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** The sandbox as the apiserver answered our last write, and the cache versions older than that answer. */
interface OwnWrite {
  object: KubernetesObject;
  staleVersions: Set<string>;
}

export class BatchSandboxController {
  private readonly opts: BatchSandboxControllerOptions;
  private readonly log: Logger;
  private readonly queue: SerialQueue;
  /** While the cache lags behind our own writes, reconciles start from the write's answer instead. */
  private readonly ownWrites = new Map<string, OwnWrite>();
  /** Last invalid-object report per key, so one bad version is reported once, not on every pod event. */
  private readonly reported = new Map<string, string>();
  /** Current problem (reason|message) per pooled sandbox key, so its Event is recorded once. */
  private readonly problems = new Map<string, string>();
  /** Pod state (ready / failed) a resuming sandbox's workflow was last woken for, by sandbox UID. */
  private readonly resumeStates = new Map<string, string>();
  /** What the tasks workflow of each sandbox was last signalled for (see taskDigest). */
  private readonly taskDigests = new Map<string, string>();
  /** UIDs of deleted sandboxes whose operations were cancelled (bounded: forgotten oldest first). */
  private readonly ended = new BoundedSet(4096);
  private started = false;

  constructor(opts: BatchSandboxControllerOptions) {
    this.opts = opts;
    this.log = opts.log.child({ controller: 'batchsandbox' });
    this.queue = new SerialQueue({
      name: 'batchsandbox',
      worker: (key) => this.reconcile(key),
      log: this.log,
      clock: opts.clock,
      concurrency: opts.concurrency ?? 32,
      backoff: opts.backoff,
    });
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
      if (ref) this.endOperations(ref);
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
    const raw = this.observe(key, namespace, name);
    if (raw === undefined) {
      this.ownWrites.delete(key);
      this.reported.delete(key);
      this.problems.delete(key);
      this.taskDigests.delete(key);
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
      this.reportProblem(key, object, problem);
      // The status says it too (it may itself be what is malformed: then a fresh one is written).
      const status = batchSandboxStatusSchema.safeParse((raw as { status?: unknown }).status);
      await this.writeProblemStatus(key, { metadata: object.metadata, status: status.success ? status.data : undefined }, problem);
      return;
    }
    const sandbox = parsed.data;
    if (sandbox.metadata.deletionTimestamp) {
      const ref = sandboxRefOf(sandbox);
      if (ref) this.endOperations(ref);
      await this.wakeTasks(key, sandbox);
      return;
    }
    if (await this.expireIfDue(key, sandbox)) return;
    if (await this.addTaskFinalizer(key, sandbox)) return;
    await this.wakeTasks(key, sandbox);
    if (await this.repairUnbackedPausedPhase(key, sandbox)) return;
    if (await this.dispatchPauseIntent(key, sandbox)) return;
    if (sandbox.spec.poolRef === AUTO_ASSIGN_POOL_REF) {
      await this.assignPool(key, sandbox);
      return;
    }
    if (namesPool(sandbox.spec.poolRef)) {
      await this.reconcilePooled(key, sandbox, sandbox.spec.poolRef);
      return;
    }
    const pods = this.ownPods(sandbox);
    // A failed pod write must not keep the status from reporting the pods that do exist: write it, then fail.
    let scaleFailure: { err: unknown } | undefined;
    await this.scale(key, sandbox, pods).catch((err: unknown) => {
      scaleFailure = { err };
    });
    // A pod the apiserver refuses for good is said on the sandbox, not only in Events; still retried (with
    // the queue's backoff), as a quota may be raised or a webhook fixed.
    const refused = scaleFailure?.err instanceof PodCreateRefused ? podCreateProblem(scaleFailure.err.pod, scaleFailure.err.message) : undefined;
    await this.writeRuntimeStatus(key, sandbox, pods, refused);
    if (scaleFailure) throw scaleFailure.err;
  }

  /**
   * Acts on spec.pause (decidePauseIntent); true when that is all this reconcile does. Starting twice is
   * harmless (workflow ids carry the generation), and a generation without intent is acknowledged by the
   * runtime status write of the normal flow.
   */
  private async dispatchPauseIntent(key: string, sandbox: BatchSandbox): Promise<boolean> {
    const lifecycle = this.opts.lifecycle;
    const ref = sandboxRefOf(sandbox);
    if (!lifecycle || !ref) return false;
    if (sandbox.spec.pause !== undefined && this.opts.informers.sandboxSnapshots?.hasSynced() === false) {
      // A fresh replica would otherwise answer a resume with SnapshotNotFound from a half-filled cache.
      throw new RetryLater('the SandboxSnapshot cache has not synced yet');
    }
    const decision = await this.confirmedPauseIntent(sandbox);
    const { namespace, name } = ref;
    switch (decision.action) {
      case 'none':
        if (sandbox.status?.phase === 'Resuming') this.wakeResume(ref, sandbox);
        else this.resumeStates.delete(ref.uid);
        return false;
      case 'acknowledge':
        if (sandbox.spec.pause === undefined) return false;
        await this.writePauseStatus(key, sandbox, { type: 'intentAcknowledged' });
        return true;
      case 'reject': {
        const { condition, reason, message } = decision;
        await this.writePauseStatus(key, sandbox, { type: 'intentRejected', condition, reason, message });
        this.log.warn({ kind: KIND, namespace, name, reason, message }, `${condition}: intent rejected`);
        this.opts.events.record(sandbox, 'Warning', condition, message);
        return true;
      }
      case 'startPause':
        await lifecycle.startPause(ref, decision.generation);
        return true;
      case 'startResume':
        await lifecycle.startResume(ref, decision.generation);
        return true;
      case 'ensurePause':
        await lifecycle.ensurePause(ref, decision.generation);
        // Nothing else wakes a sandbox whose run died: look again after a while.
        this.queue.enqueueAfter(key, PAUSE_RUN_CHECK_MS);
        return false;
      case 'cancelPause':
        await lifecycle.cancelPause(ref, sandbox.status?.pauseObservedGeneration ?? decision.generation);
        this.log.info({ kind: KIND, namespace, name, generation: decision.generation }, 'Cancelling pause: pause=false while Pausing');
        return true;
    }
  }

  /**
   * Pod events reach a resuming sandbox here: its resume workflow waits for them. It is woken when its
   * pods come to an end (all Ready, or one failing) or when the paused pod a replica waited on is gone,
   * once per such state: a wake-up while it is still waiting would cost a workflow task, and one that
   * lands as it completes makes the server reject that completion.
   */
  private wakeResume(ref: SandboxRef, sandbox: BatchSandbox): void {
    const state = resumeWakeState(this.ownPods(sandbox), sandbox.spec.replicas);
    if (state === 'waiting' || this.resumeStates.get(ref.uid) === state) return;
    this.resumeStates.set(ref.uid, state);
    this.opts.lifecycle?.sandboxPodsChanged(ref);
  }

  /** A sandbox with tasks keeps the task-cleanup finalizer until they are released (true: added now). */
  private async addTaskFinalizer(key: string, sandbox: BatchSandbox): Promise<boolean> {
    const finalizers = sandbox.metadata.finalizers ?? [];
    if (!this.opts.tasks || sandbox.spec.taskTemplate === undefined || finalizers.includes(FINALIZERS.taskCleanup)) return false;
    const metadata = { resourceVersion: sandbox.metadata.resourceVersion, finalizers: [...finalizers, FINALIZERS.taskCleanup] };
    await this.patch(key, sandbox, 'metadata', { metadata });
    return true;
  }

  /**
   * Signals the sandbox's tasks workflow (starting it if need be) when what it acts on has changed since
   * the last signal: its spec, phase, deletion, or its pods and their IPs. Its own counter writes change
   * none of these, so they wake nothing. A task spec that cannot be built is reported like a bad shard patch.
   */
  private async wakeTasks(key: string, sandbox: BatchSandbox): Promise<void> {
    const ref = sandboxRefOf(sandbox);
    const hasFinalizer = (sandbox.metadata.finalizers ?? []).includes(FINALIZERS.taskCleanup);
    if (!this.opts.tasks || !ref || sandbox.spec.taskTemplate === undefined || !hasFinalizer) return;
    const pods = namesPool(sandbox.spec.poolRef) ? this.allocatedPods(sandbox, readAllocation(sandbox.metadata.annotations ?? {})) : this.ownPods(sandbox);
    const digest = JSON.stringify([
      sandbox.metadata.generation,
      sandbox.status?.phase,
      Boolean(sandbox.metadata.deletionTimestamp),
      pods.map((pod) => [podName(pod), pod.status?.podIP, isTerminating(pod)]),
    ]);
    if (this.taskDigests.get(key) === digest) return;
    // Building every replica's task is work a pod event need not repeat: only when the run is woken.
    const specs = planTaskSpecs(sandbox);
    if (!specs.ok) this.reportInvalid(key, sandbox, EVENT_REASONS.InvalidSpec, `spec.taskTemplate: ${specs.message}`);
    await this.opts.tasks.sandboxChanged(ref);
    this.taskDigests.set(key, digest);
  }

  /** A pooled sandbox's pods from the cache: alloc-status minus alloc-release, in allocation order. */
  private allocatedPods(sandbox: BatchSandbox, allocation: ReturnType<typeof readAllocation>): V1Pod[] {
    if (!('allocated' in allocation)) return [];
    const released = new Set(allocation.release);
    const namespace = sandbox.metadata.namespace ?? '';
    return allocation.allocated
      .filter((name) => !released.has(name))
      .flatMap((name) => this.opts.informers.pods.get(name, namespace) ?? [])
      .filter((pod) => mayServePooledSandbox(pod, sandbox.spec.poolRef ?? '', sandbox.metadata.name));
  }

  /** The pods a non-pooled sandbox controls (by UID, from the cache), in index order. */
  private ownPods(sandbox: BatchSandbox): V1Pod[] {
    const uid = sandbox.metadata.uid;
    return sortByIndex(this.opts.informers.pods.list(sandbox.metadata.namespace ?? '').filter((pod) => controllerOf(pod)?.uid === uid));
  }

  /**
   * decidePauseIntent on the cached snapshots; a resume refused for its snapshots is decided again on the
   * apiserver's. That refusal is an answer the server acts on, and the two caches can lag each other: after
   * a watch reconnect the sandbox's Paused can arrive before its snapshot's Succeed (which came first).
   */
  private async confirmedPauseIntent(sandbox: BatchSandbox): Promise<PauseIntentDecision> {
    const cached = decidePauseIntent({ sandbox, snapshots: this.pauseSnapshotsOf(sandbox) });
    if (cached.action !== 'reject' || !SNAPSHOT_REFUSALS.has(cached.reason)) return cached;
    return decidePauseIntent({ sandbox, snapshots: await this.livePauseSnapshotsOf(sandbox) });
  }

  private pauseSnapshotsOf(sandbox: BatchSandbox): SandboxSnapshot[] {
    return pauseSnapshotsIn(this.opts.informers.sandboxSnapshots?.list(sandbox.metadata.namespace ?? '') ?? [], sandbox);
  }

  private async livePauseSnapshotsOf(sandbox: BatchSandbox): Promise<SandboxSnapshot[]> {
    const namespace = sandbox.metadata.namespace ?? '';
    const list = (await this.opts.customObjects.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: SANDBOX_SNAPSHOT.plural, namespace })) as {
      items: KubernetesObject[];
    };
    return pauseSnapshotsIn(list.items, sandbox);
  }

  private async writePauseStatus(key: string, sandbox: BatchSandbox, event: PauseLifecycleEvent): Promise<void> {
    const status = nextPauseStatus(sandbox, event, this.opts.clock.now());
    await this.patch(key, sandbox, 'status', { metadata: { resourceVersion: sandbox.metadata.resourceVersion }, status });
  }

  /** Once per deleted sandbox: its pause/resume runs are cancelled (they would also end on their next step). */
  private endOperations(ref: SandboxRef): void {
    this.resumeStates.delete(ref.uid);
    if (!this.opts.lifecycle || this.ended.has(ref.uid)) return;
    this.ended.add(ref.uid);
    this.opts.lifecycle.sandboxDeleted(ref);
  }

  /** The informer's copy, unless it is older than the answer to our own last write. */
  private observe(key: string, namespace: string, name: string): KubernetesObject | undefined {
    const cached = this.opts.informers.batchSandboxes.get(name, namespace);
    const own = this.ownWrites.get(key);
    if (cached !== undefined && own?.staleVersions.has(cached.metadata?.resourceVersion ?? '')) return own.object;
    this.ownWrites.delete(key);
    return cached;
  }

  private reportInvalid(key: string, object: InvolvedObject, reason: string, message: string): void {
    this.warnOnce(key, object, reason, message, 'Skipping invalid BatchSandbox');
  }

  /** A Warning Event and log line, unless this very one was the last reported for this version of the object. */
  private warnOnce(key: string, object: InvolvedObject, reason: string, message: string, logMessage: string): void {
    this.warnUnlessReported(this.reported, key, `${object.metadata.resourceVersion}|${reason}|${message}`, object, reason, message, logMessage);
  }

  /** A Warning Event and log line, unless `report` is what `seen` last recorded for this key. */
  private warnUnlessReported(
    seen: Map<string, string>,
    key: string,
    report: string,
    object: InvolvedObject,
    reason: string,
    message: string,
    logMessage: string,
  ): void {
    if (seen.get(key) === report) return;
    seen.set(key, report);
    const { namespace, name } = object.metadata;
    this.log.warn({ kind: KIND, namespace, name, reason, message }, logMessage);
    this.opts.events.record(object, 'Warning', reason, message);
  }

  /**
   * Resolves poolRef "*" to the Pool the planner chooses: one merge patch, guarded by the resourceVersion
   * the choice was made from. The pool signaler then sees a pooled sandbox and wakes that Pool's workflow.
   *
   * A sandbox with "*" and a template: upstream keeps the template, and since the pool controller skips
   * sandboxes with a template, such a sandbox is never allocated (spec §10 B3). What its user asked for is
   * a warm pod from a Pool that matches the template (image, requests, node selection), so the template
   * has served its purpose once a Pool is chosen: it is removed in the same write, as our CRD requires
   * (template and a named poolRef are exclusive), and the Pool's pods are allocated as for any pooled
   * sandbox. The Event says so, since the pods run the Pool's template, not the sandbox's.
   */
  private async assignPool(key: string, sandbox: BatchSandbox): Promise<void> {
    const { name, namespace = '', resourceVersion } = sandbox.metadata;
    const pools = this.opts.informers.pools.list(namespace).flatMap((raw): Pool[] => {
      // A Pool that does not parse cannot be matched: it is no candidate.
      const parsed = poolSchema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    });
    const choice = choosePool({ sandbox, pools, profile: this.opts.assignProfile?.() });
    if (choice.kind === 'none') {
      // No retry loop: a Pool event re-enqueues this sandbox (enqueueSandboxesOfPool).
      const message = `no eligible pool found for BatchSandbox ${name}: ${choice.reason}`;
      const problem = noEligiblePoolProblem(message);
      this.reportProblem(key, sandbox, problem);
      await this.writeProblemStatus(key, sandbox, problem);
      return;
    }
    const hadTemplate = sandbox.spec.template !== undefined;
    const spec = { poolRef: choice.pool, ...(hadTemplate && { template: null }) };
    await this.patch(key, sandbox, 'metadata', { metadata: { resourceVersion }, spec });
    this.log.info({ kind: KIND, namespace, name, pool: choice.pool, score: choice.score }, 'Assigned BatchSandbox to Pool');
    const removed = hadTemplate ? '; spec.template served only to choose it and was removed' : '';
    this.opts.events.record(sandbox, 'Normal', EVENT_REASONS.PoolAssigned, `assigned to pool ${choice.pool}${removed}`);
  }

  /** Deletes the sandbox once spec.expireTime has passed (true), else arms a wake-up for it. */
  private async expireIfDue(key: string, sandbox: BatchSandbox): Promise<boolean> {
    const now = this.opts.clock.now();
    if (!expired(sandbox, now)) {
      const ms = msUntilExpiry(sandbox, now);
      if (ms !== undefined) this.queue.enqueueAfter(key, ms);
      return false;
    }
    const { name, namespace = '', uid } = sandbox.metadata;
    try {
      // The uid precondition spares a new sandbox created under the same name meanwhile.
      await this.opts.customObjects.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: BATCH_SANDBOX.plural,
        name,
        body: { preconditions: { uid } },
      });
    } catch (err) {
      if (isApiStatus(err, 404) || isApiStatus(err, 409)) return true;
      throw err;
    }
    this.log.info({ kind: KIND, namespace, name, expireTime: sandbox.spec.expireTime }, 'Deleted expired BatchSandbox');
    const message = `expireTime ${sandbox.spec.expireTime} has passed: deleting the BatchSandbox`;
    this.opts.events.record(sandbox, 'Normal', EVENT_REASONS.Expired, message);
    return true;
  }

  /**
   * Pooled: the pool workflow allocates and writes the first status with its delivery; this refreshes the
   * status from the pods in alloc-status minus alloc-release, and reports what keeps the sandbox from being
   * served (a missing Pool, a malformed allocation annotation) as a condition and a Warning Event.
   */
  private async reconcilePooled(key: string, sandbox: BatchSandbox, poolRef: string): Promise<void> {
    const annotations = sandbox.metadata.annotations ?? {};
    const namespace = sandbox.metadata.namespace ?? '';
    const allocation = readAllocation(annotations);
    const pool = this.opts.informers.pools.get(poolRef, namespace);
    const problem = pooledSandboxProblem({
      namespace,
      poolRef,
      poolExists: !this.opts.informers.pools.hasSynced() || (pool !== undefined && !pool.metadata?.deletionTimestamp),
      malformedAnnotation: 'malformed' in allocation ? allocation.malformed : undefined,
      poolReplicaFailure: replicaFailureOf(pool),
      waitingForPods: 'allocated' in allocation && allocation.allocated.length < sandbox.spec.replicas,
    });
    this.reportProblem(key, sandbox, problem);
    // Before the delivery has written alloc-status and the first status (phase), a refresh would race that
    // status write (a wasted, conflicting write on the delivery path): only a problem is reported then.
    const delivered = 'allocated' in allocation && annotations[ANNOTATIONS.allocStatus] !== undefined && sandbox.status?.phase !== undefined;
    if (delivered) {
      await this.writeRuntimeStatus(key, sandbox, this.allocatedPods(sandbox, allocation), problem);
      return;
    }
    await this.writeProblemStatus(key, sandbox, problem);
  }

  /** The status with `problem` as its condition (or without any), written when that changes it. */
  private async writeProblemStatus(key: string, sandbox: SandboxStatusView, problem: SandboxProblem | undefined): Promise<void> {
    const status = withSandboxProblem(sandbox.status, problem, this.opts.clock.now());
    if (status !== undefined && !sameStatus(sandbox.status, status)) {
      await this.patch(key, sandbox, 'status', { metadata: { resourceVersion: sandbox.metadata.resourceVersion }, status });
    }
  }

  /**
   * A Paused phase no pause wrote (planners/lifecycle/unbacked-paused-phase.ts) gets the runtime status of the pods
   * the sandbox runs, and a Warning Event; true when that is this reconcile's write.
   */
  private async repairUnbackedPausedPhase(key: string, sandbox: BatchSandbox): Promise<boolean> {
    const snapshots = this.opts.informers.sandboxSnapshots;
    if (sandbox.status?.phase !== 'Paused' || !snapshots?.hasSynced()) return false;
    const pods = namesPool(sandbox.spec.poolRef) ? this.allocatedPods(sandbox, readAllocation(sandbox.metadata.annotations ?? {})) : this.ownPods(sandbox);
    const unbacked = (pauseSnapshots: SandboxSnapshot[]) => unbackedPausedPhase({ sandbox, pauseSnapshots, pods });
    // The repair overwrites a phase; the snapshot cache may lag the sandbox's, so its absence is confirmed.
    const why = unbacked(this.pauseSnapshotsOf(sandbox)) && unbacked(await this.livePauseSnapshotsOf(sandbox));
    if (why === undefined) return false;
    const { namespace, name } = sandbox.metadata;
    this.log.warn({ kind: KIND, namespace, name }, why);
    this.opts.events.record(sandbox, 'Warning', EVENT_REASONS.PausedPhaseRepaired, why);
    await this.writeRuntimeStatus(key, { ...sandbox, status: { ...sandbox.status, phase: undefined } }, pods);
    return true;
  }

  /** One Warning Event per problem as it starts (the condition carries it meanwhile). */
  private reportProblem(key: string, sandbox: InvolvedObject, problem: SandboxProblem | undefined): void {
    if (problem === undefined) {
      this.problems.delete(key);
      return;
    }
    const { reason, message } = problem;
    this.warnUnlessReported(this.problems, key, `${reason}|${message}`, sandbox, reason, message, 'BatchSandbox cannot be served');
  }

  /** Creates the missing pods, then deletes the extra ones; the first failure stops and is thrown. */
  private async scale(key: string, sandbox: BatchSandbox, pods: readonly V1Pod[]): Promise<void> {
    const plan = planNonPooledPods(sandbox, pods);
    if (plan.invalidShardPatch) {
      const { index, message } = plan.invalidShardPatch;
      this.reportInvalid(key, sandbox, EVENT_REASONS.InvalidSpec, `spec.shardPatches[${index}]: ${message}`);
    }
    const namespace = sandbox.metadata.namespace ?? '';
    for (const pod of plan.create) {
      await this.podWrite(sandbox, pod, 'create', () => this.opts.core.createNamespacedPod({ namespace, body: pod }));
    }
    for (const pod of plan.delete) {
      const body = { preconditions: { uid: pod.metadata?.uid } };
      await this.podWrite(sandbox, pod, 'delete', () => this.opts.core.deleteNamespacedPod({ namespace, name: podName(pod), body }));
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
      this.opts.events.record(sandbox, 'Warning', failed, `failed to ${verb} pod ${name}: ${apiErrorMessage(err)}`);
      if (verb === 'create' && isPermanentApiError(err)) throw new PodCreateRefused(name, apiErrorMessage(err), { cause: err });
      throw err;
    }
    const { namespace, name: sandboxName } = sandbox.metadata;
    this.log.info({ kind: KIND, namespace, name: sandboxName, pod: name, verb }, 'Pod written');
    this.opts.events.record(sandbox, 'Normal', done, `succeed to ${verb} pod ${name}`);
  }

  /** Endpoints first: a client that sees phase Succeed must find the IPs already there. */
  private async writeRuntimeStatus(key: string, sandbox: BatchSandbox, pods: readonly V1Pod[], problem?: SandboxProblem): Promise<void> {
    const now = this.opts.clock.now();
    const runtime = computeRuntimeStatus({ sandbox, pods, now });
    const endpoints = runtime.endpoints;
    const status = problem ? withSandboxProblem(runtime.status, problem, now)! : runtime.status;
    let resourceVersion = sandbox.metadata.resourceVersion;
    const annotation = endpointsPatchValue(sandbox, endpoints);
    if (annotation !== undefined) {
      const body = { metadata: { resourceVersion, annotations: { [ANNOTATIONS.endpoints]: annotation } } };
      resourceVersion = await this.patch(key, sandbox, 'metadata', body);
    }
    if (statusPatchNeeded(sandbox, status, problem !== undefined)) {
      // The whole status as one merge patch, as upstream: lists (conditions) are replaced.
      await this.patch(key, sandbox, 'status', { metadata: { resourceVersion }, status });
    }
  }

  /**
   * A JSON merge patch carrying metadata.resourceVersion, so it applies only to the version it was
   * computed from (another writer, e.g. a pause workflow, is never overwritten with stale data). Returns
   * the new resourceVersion; a conflict is retried once the cache has caught up.
   */
  private async patch(
    key: string,
    sandbox: SandboxStatusView,
    target: 'metadata' | 'status',
    body: { metadata: { resourceVersion?: string }; spec?: unknown; status?: unknown },
  ): Promise<string | undefined> {
    const { name, namespace = '' } = sandbox.metadata;
    const request = { group: GROUP, version: VERSION, namespace, plural: BATCH_SANDBOX.plural, name, body };
    let updated: KubernetesObject;
    try {
      updated = (
        target === 'status'
          ? await this.opts.customObjects.patchNamespacedCustomObjectStatus(request, MERGE_PATCH)
          : await this.opts.customObjects.patchNamespacedCustomObject(request, MERGE_PATCH)
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

/** The message of a Pool's ReplicaFailure condition, while it holds. */
function replicaFailureOf(pool: KubernetesObject | undefined): string | undefined {
  const status = poolStatusSchema.safeParse((pool as { status?: unknown } | undefined)?.status);
  if (!status.success) return undefined;
  const failure = status.data.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return failure ? (failure.message ?? 'ReplicaFailure') : undefined;
}

/** What a status write needs of a sandbox: which object (and version), and its status (a sandbox whose spec does not parse has only these). */
type SandboxStatusView = Pick<BatchSandbox, 'metadata'> & { status?: BatchSandboxStatus | undefined };

/** alloc-status and alloc-release, or why one of the allocation annotations does not parse. */
function readAllocation(annotations: Record<string, string>): { allocated: string[]; release: string[] } | { malformed: string } {
  const lists = new Map<string, string[]>();
  for (const annotation of [ANNOTATIONS.allocStatus, ANNOTATIONS.allocRelease, ANNOTATIONS.allocReleased]) {
    const value = annotations[annotation];
    try {
      lists.set(annotation, value === undefined ? [] : parseAllocationAnnotation(value).pods);
    } catch (err) {
      return { malformed: `${annotation}: ${(err as Error).message}` };
    }
  }
  return { allocated: lists.get(ANNOTATIONS.allocStatus)!, release: lists.get(ANNOTATIONS.allocRelease)! };
}

function sandboxRefOf(obj: KubernetesObject): SandboxRef | undefined {
  const { namespace, name, uid } = obj.metadata ?? {};
  return namespace && name && uid ? { namespace, name, uid } : undefined;
}

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

/** Remembers at most `limit` values, forgetting the oldest first. */
class BoundedSet {
  private readonly values = new Set<string>();
  constructor(private readonly limit: number) {}
  has(value: string): boolean {
    return this.values.has(value);
  }
  add(value: string): void {
    this.values.add(value);
    if (this.values.size > this.limit) this.values.delete(this.values.values().next().value!);
  }
}
