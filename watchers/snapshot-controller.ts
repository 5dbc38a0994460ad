// The SandboxSnapshot controller of the `watch` role (spec §6.6), one serial queue key per snapshot:
// - finalizer `sandboxsnapshot.sandbox.opensandbox.io/cleanup` on every snapshot; on deletion its commit
//   and unpause Jobs are deleted, then the finalizer is removed;
// - a public snapshot (the server's `osb-snap-*`) that has not finished gets its snapshot workflow
//   (`snapshot/<ns>/<name>/<uid>`); internal pause snapshots are committed by their pause workflow
//   itself, so they are only cleaned up here;
// - a commit Job that finished or went away, or whose pod cannot start, wakes the workflow waiting on it
//   (no polling).
import type { CustomObjectsApi, KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { FINALIZERS, LABELS } from '../api/v1alpha1/contract.js';
import { API_VERSION, GROUP, SANDBOX_SNAPSHOT, VERSION } from '../api/v1alpha1/group.js';
import { sandboxSnapshotSchema, type SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import type { SnapshotRef } from '../api/object-refs.js';
import { deleteSnapshotJobs, type JobDeleter } from '../activities/snapshot-jobs.js';
import type { Clock } from '../kernel/clock.js';
import { EVENT_REASONS, type EventRecorder } from '../kernel/events.js';
import { isApiStatus } from '../kernel/kube-errors.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import type { Logger } from '../kernel/logger.js';
import { commitJobOutcome, jobNameOf } from '../planners/lifecycle/commit-job.js';
import { commitPodState } from '../planners/lifecycle/commit-pod-start.js';
import { isPauseSnapshot } from '../planners/lifecycle/snapshot-names.js';
import { isTerminalSnapshot } from '../planners/lifecycle/snapshot-status.js';
import { controllerOf } from '../planners/kube/pod-state.js';
import type { LifecycleWorkflows } from './lifecycle-workflows.js';
import { INFORMER_EVENT_TYPES } from './resource-informer.js';
import type { InformerView } from './resource-informer.js';
import { RetryLater, SerialQueue } from './serial-queue.js';

export interface SnapshotControllerOptions {
  informers: {
    sandboxSnapshots: InformerView<KubernetesObject>;
    jobs: InformerView<V1Job>;
    pods: InformerView<V1Pod>;
  };
  customObjects: Pick<CustomObjectsApi, 'patchNamespacedCustomObject'>;
  batch: JobDeleter;
  lifecycle: LifecycleWorkflows;
  events: EventRecorder;
  log: Logger;
  clock: Clock;
}

const KIND = SANDBOX_SNAPSHOT.kind;

function snapshotKey(namespace: string, name: string): string {
  return `${KIND}/${namespace}/${name}`;
}

export class SnapshotController {
  private readonly queue: SerialQueue;
  private readonly log: Logger;
  /** Last invalid version reported per key. */
  private readonly reported = new Map<string, string>();
  /** Last wake-worthy state per Job or Job pod UID (entries end with the object or its quiet state). */
  private readonly lastStates = new Map<string, string>();

  constructor(private readonly opts: SnapshotControllerOptions) {
    this.log = opts.log.child({ controller: 'sandboxsnapshot' });
    // Upstream runs this controller with concurrency 1; keys are independent, so a few at once is safe.
    this.queue = new SerialQueue({ name: 'sandboxsnapshot', worker: (key) => this.reconcile(key), log: this.log, clock: opts.clock, concurrency: 4 });
  }

  /** Subscribes to the informers; call before starting them. */
  start(): void {
    for (const event of INFORMER_EVENT_TYPES) {
      this.opts.informers.sandboxSnapshots.on(event, (obj) => {
        const { namespace, name } = obj.metadata ?? {};
        if (namespace && name) this.queue.enqueue(snapshotKey(namespace, name));
      });
      // Only what the waiting workflow acts on wakes it: a Job that finished or went away, a Job pod that
      // cannot start or whose committer reported its result (before the Job controller marks the Job). A wake-up for a Job that is still running would cost a workflow task for nothing,
      // and one that lands while the workflow completes makes the server reject that completion.
      this.opts.informers.jobs.on(event, (job) => {
        const state = event === 'delete' ? 'gone' : commitJobOutcome(job).state;
        if (this.wakesOnChange(job, state, 'running')) this.jobChanged(job);
      });
      this.opts.informers.pods.on(event, (pod) => {
        const jobName = jobNameOf(pod);
        if (!jobName || pod.metadata?.labels?.[LABELS.sandboxSnapshotName] === undefined) return;
        const state = event === 'delete' ? 'fine' : commitPodState(jobName, pod);
        if (this.wakesOnChange(pod, state, 'fine')) this.jobChanged(pod);
      });
    }
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  /**
   * Whether `obj` entered a state worth a wake-up: one other than `quiet`, and other than the last one
   * seen (a Job reports success in several updates: SuccessCriteriaMet, Complete, completionTime).
   */
  private wakesOnChange(obj: V1Job | V1Pod, state: string, quiet: string): boolean {
    const uid = obj.metadata?.uid ?? '';
    const last = this.lastStates.get(uid) ?? quiet;
    if (state === 'gone' || state === quiet) this.lastStates.delete(uid);
    else this.lastStates.set(uid, state);
    return state !== quiet && state !== last;
  }

  /**
   * A commit Job (owned by its snapshot) or one of its pods (labelled with it) changed. The snapshot, from
   * the cache, says which run waits for it; one not cached yet is left to that run's backstop.
   */
  private jobChanged(obj: V1Job | V1Pod): void {
    const namespace = obj.metadata?.namespace;
    const name = obj.metadata?.labels?.[LABELS.sandboxSnapshotName];
    if (!namespace || !name) return;
    const parsed = sandboxSnapshotSchema.safeParse(this.opts.informers.sandboxSnapshots.get(name, namespace));
    const owner = controllerOf(obj);
    if (!parsed.success || (owner?.kind === KIND && owner.uid !== parsed.data.metadata.uid)) {
      this.log.debug({ kind: KIND, namespace, name }, 'Commit job changed for a snapshot not in the cache');
      return;
    }
    this.opts.lifecycle.commitJobChanged(parsed.data);
  }

  private async reconcile(key: string): Promise<void> {
    const [, namespace = '', name = ''] = key.split('/');
    const raw = this.opts.informers.sandboxSnapshots.get(name, namespace);
    if (raw === undefined) {
      this.reported.delete(key);
      return;
    }
    const parsed = sandboxSnapshotSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const version = raw.metadata?.resourceVersion ?? '';
      if (this.reported.get(key) === version) return;
      this.reported.set(key, version);
      const message = `${issue.path.join('.')}: ${issue.message}`;
      this.log.warn({ kind: KIND, namespace, name, message }, 'Skipping invalid SandboxSnapshot');
      this.opts.events.record(
        { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace, uid: raw.metadata?.uid } },
        'Warning',
        EVENT_REASONS.InvalidSpec,
        message,
      );
      return;
    }
    const snapshot = parsed.data;
    const finalizers = snapshot.metadata.finalizers ?? [];
    if (snapshot.metadata.deletionTimestamp) {
      if (!finalizers.includes(FINALIZERS.snapshotCleanup)) return;
      await deleteSnapshotJobs(this.opts.batch, namespace, name);
      await this.patchFinalizers(
        snapshot,
        finalizers.filter((f) => f !== FINALIZERS.snapshotCleanup),
      );
      return;
    }
    if (!finalizers.includes(FINALIZERS.snapshotCleanup)) {
      await this.patchFinalizers(snapshot, [...finalizers, FINALIZERS.snapshotCleanup]);
      return;
    }
    const uid = snapshot.metadata.uid;
    if (!isPauseSnapshot(snapshot) && !isTerminalSnapshot(snapshot) && uid) {
      const ref: SnapshotRef = { namespace, name, uid };
      await this.opts.lifecycle.startSnapshot(ref, snapshot.spec.sandboxName);
    }
  }

  /** The finalizer list as a whole, guarded by resourceVersion (a merge patch replaces lists). */
  private async patchFinalizers(snapshot: SandboxSnapshot, finalizers: string[]): Promise<void> {
    const { name, namespace = '', resourceVersion } = snapshot.metadata;
    try {
      await this.opts.customObjects.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: SANDBOX_SNAPSHOT.plural, name, body: { metadata: { resourceVersion, finalizers } } },
        MERGE_PATCH,
      );
    } catch (err) {
      if (isApiStatus(err, 404)) return;
      if (isApiStatus(err, 409)) throw new RetryLater(`SandboxSnapshot ${namespace}/${name} changed during the finalizer patch`, { cause: err });
      throw err;
    }
  }
}
