// Activities of the pause workflow (ADR 0004): thin, idempotent I/O around the pause planners. Each
// re-reads the sandbox it acts for (OBJECT_GONE when it is gone or replaced) and writes from the latest copy.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import { FINALIZERS, LABELS } from '../api/v1alpha1/contract.js';
import type { PodTemplate } from '../api/v1alpha1/pod-template.js';
import type { SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import { EVENT_REASONS } from '../kernel/events.js';
import { isApiStatus } from '../kernel/kube-errors.js';
import { buildPauseSnapshot, pauseSnapshotAction } from '../planners/lifecycle/pause-snapshot.js';
import { heldPods, selectPauseSources, type PauseSource } from '../planners/lifecycle/pause-source.js';
import { controllerOf, podName } from '../planners/kube/pod-state.js';
import { pauseFailedEvent } from '../planners/lifecycle/pause-status.js';
import { poolDetachPatch, solidifiedTemplate } from '../planners/pool/pool-detach.js';
import { templateRevision } from '../planners/pool/pool-revision.js';
import { planSourceCommit } from '../planners/lifecycle/snapshot-commit-plan.js';
import { pauseSnapshotName } from '../planners/lifecycle/snapshot-names.js';
import { isTerminalSnapshot } from '../planners/lifecycle/snapshot-status.js';
import { WRITE_ATTEMPTS, type LifecycleContext, type ObjectRef } from './lifecycle-objects.js';
import type { PauseActivities } from './lifecycle-activity-types.js';
import type { SnapshotRef } from '../api/object-refs.js';
import { deleteSnapshotJobs } from './snapshot-jobs.js';
import { planOnLiveNode, snapshotRecords, terminalStep } from './snapshot-steps.js';
import { markStarted, writeLifecycleEvent } from './sandbox-lifecycle-status.js';

/** How long a replaced snapshot may take to go away, and how often to look. */
const SNAPSHOT_GONE_TIMEOUT_MS = 30_000;
const SNAPSHOT_GONE_POLL_MS = 100;

export function createPauseActivities(ctx: LifecycleContext): PauseActivities {
  const { objects, log, settings } = ctx;
  const { sandboxes, snapshots } = objects;
  const { recordFailure } = snapshotRecords(ctx);

  function refOf(snapshot: SandboxSnapshot): SnapshotRef {
    return { namespace: snapshot.metadata.namespace ?? '', name: snapshot.metadata.name, uid: snapshot.metadata.uid ?? '' };
  }

  /**
   * Removes a snapshot a pause replaces and waits until it is gone, so its name is free. Its Jobs go
   * first; then the cleanup finalizer (whose only work is deleting those Jobs) is removed once the
   * deletion has begun, so the snapshot does not depend on another controller to disappear.
   */
  async function removeSnapshot({ namespace, name, uid }: SnapshotRef): Promise<void> {
    await deleteSnapshotJobs(objects.batch, namespace, name);
    const deadline = Date.now() + SNAPSHOT_GONE_TIMEOUT_MS;
    for (;;) {
      const current = await snapshots.find(namespace, name);
      if (current === undefined || current.metadata.uid !== uid) return;
      const finalizers = current.metadata.finalizers ?? [];
      try {
        if (!current.metadata.deletionTimestamp) await snapshots.delete(namespace, name, uid);
        else if (finalizers.includes(FINALIZERS.snapshotCleanup)) {
          await snapshots.patch(namespace, name, {
            metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: finalizers.filter((f) => f !== FINALIZERS.snapshotCleanup) },
          });
        }
      } catch (err) {
        // Changed or gone meanwhile: look again.
        if (!isApiStatus(err, 409) && !isApiStatus(err, 404)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`SandboxSnapshot ${namespace}/${name} is still there ${SNAPSHOT_GONE_TIMEOUT_MS} ms after its deletion`);
      await sleep(SNAPSHOT_GONE_POLL_MS);
    }
  }

  /**
   * The snapshot of replica `index` for the pause of `generation`: this pause's own, or a new one. Made
   * from the ref, without reading the sandbox (markPausing just did): a snapshot made for a sandbox gone
   * meanwhile is owned by a UID that no longer exists, and the garbage collector removes it. Created
   * first, looked at only when the name is taken: the usual pause finds no snapshot.
   */
  async function pauseSnapshotFor(ref: ObjectRef, index: number, generation: number): Promise<SandboxSnapshot> {
    const sandbox = { metadata: ref };
    const name = pauseSnapshotName(ref.name, index);
    const fields = { kind: 'SandboxSnapshot', namespace: ref.namespace, name, generation };
    for (let attempt = 1; ; attempt++) {
      try {
        const created = await snapshots.create(ref.namespace, buildPauseSnapshot(sandbox, index, generation));
        log.info(fields, 'Created pause snapshot');
        return created;
      } catch (err) {
        if (!isApiStatus(err, 409) || attempt >= WRITE_ATTEMPTS) throw err;
      }
      const existing = await snapshots.find(ref.namespace, name);
      const action = pauseSnapshotAction(sandbox, generation, existing);
      if (action.action === 'use') return existing!;
      if (action.action === 'replace') {
        log.info({ ...fields, why: action.why }, 'Replacing pause snapshot');
        await removeSnapshot(refOf(existing!));
      }
      // 'create': gone meanwhile; either way, create again.
    }
  }

  async function deletePod(namespace: string, pod: V1Pod): Promise<void> {
    try {
      await objects.core.deleteNamespacedPod({ namespace, name: podName(pod), body: { preconditions: { uid: pod.metadata?.uid } } });
    } catch (err) {
      // Gone, or a namesake now: either way the source pod is released.
      if (!isApiStatus(err, 404) && !isApiStatus(err, 409)) throw err;
    }
  }

  /**
   * The template a detached sandbox keeps: from the replica-0 source pod (the Pool's template when the
   * pod runs the Pool's current revision).
   */
  async function detachedTemplate(sandbox: BatchSandbox, poolName: string, sources: PauseSource[]): Promise<PodTemplate> {
    const namespace = sandbox.metadata.namespace ?? '';
    const source = sources.find((s) => s.index === 0) ?? sources[0];
    if (source === undefined) throw new Error(`no source pod to solidify the template of BatchSandbox ${namespace}/${sandbox.metadata.name} from`);
    const [found, pool] = await Promise.all([objects.findPod(namespace, source.podName), objects.pools.find(namespace, poolName)]);
    const pod = found?.metadata?.uid === source.podUid ? found : undefined;
    if (pod === undefined) throw new Error(`source pod ${namespace}/${source.podName} (UID ${source.podUid}) is gone: cannot solidify the template`);
    const current = pool !== undefined && pod.metadata?.labels?.[LABELS.poolRevision] === templateRevision(pool.spec.template);
    return solidifiedTemplate({ pod, ...(current ? { poolTemplate: pool.spec.template } : {}) });
  }

  /** Detaches a pooled sandbox in one guarded merge patch; re-planned on a conflict; already detached = done. */
  async function detachFromPool(ref: ObjectRef, sources: PauseSource[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const latest = await sandboxes.read(ref);
      const poolName = latest.spec.poolRef;
      if (!namesPool(poolName)) {
        if (latest.spec.template !== undefined) return;
        throw new Error(`BatchSandbox ${ref.namespace}/${ref.name} names no pool and has no template: cannot detach it`);
      }
      const template = await detachedTemplate(latest, poolName, sources);
      try {
        await sandboxes.patch(ref.namespace, ref.name, poolDetachPatch(latest, template));
        log.info({ kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, pool: poolName }, 'Detached paused sandbox from its pool');
        return;
      } catch (err) {
        if (!isApiStatus(err, 409) || attempt >= WRITE_ATTEMPTS) throw err;
      }
    }
  }

  /** Releases the source pods (releaseAndMarkPaused's first half). */
  async function releasePods(ref: ObjectRef, sources: PauseSource[]): Promise<void> {
    const sandbox = await sandboxes.read(ref);
    if (namesPool(sandbox.spec.poolRef)) return detachFromPool(ref, sources);
    // Only pods this sandbox controls: after a pooled sandbox was detached by an earlier try, its
    // sources are the Pool's pods, which the Pool workflow recycles.
    const found = await Promise.all(sources.map((s) => objects.findPod(ref.namespace, s.podName)));
    const uids = new Set(sources.map((s) => s.podUid));
    const pods = found.flatMap((p) => (p !== undefined && uids.has(p.metadata?.uid ?? '') && controllerOf(p)?.uid === ref.uid ? [p] : []));
    await Promise.all(pods.map((pod) => deletePod(ref.namespace, pod)));
    log.info({ kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, deleted: pods.map(podName) }, 'Released paused pods');
  }

  return {
    async markPausing(ref, generation) {
      const { gate, sandbox, read } = await markStarted(ctx, 'pause', ref, generation, (latest) => objects.podsOf(latest));
      if (!gate.proceed) return gate;
      return { proceed: true, sources: selectPauseSources(read), claim: sandbox.status?.pauseObservedGeneration };
    },

    async preparePauseSnapshot(ref, source, generation) {
      const snapshot = await pauseSnapshotFor(ref, source.index, generation);
      const snapshotRef = refOf(snapshot);
      if (isTerminalSnapshot(snapshot)) return { snapshot: snapshotRef, commit: terminalStep(snapshot) };
      const plan = await planOnLiveNode(objects, planSourceCommit({ snapshot, source, registry: settings.registry, sandboxGeneration: generation }));
      if (!plan.ok) {
        return { snapshot: snapshotRef, commit: terminalStep(await recordFailure(snapshotRef, plan, EVENT_REASONS.SnapshotFailed, false)) };
      }
      return { snapshot: snapshotRef, commit: { state: 'planned', target: plan.target, deadlineSeconds: settings.timeoutSeconds } };
    },

    async releaseAndMarkPaused(ref, sources, claim) {
      await releasePods(ref, sources);
      await writeLifecycleEvent(ctx, ref, { type: 'pauseSucceeded' }, { type: 'Normal', reason: EVENT_REASONS.Paused, message: 'Sandbox paused' }, claim);
    },

    async markPauseFailed(ref, { reason, message }, claim) {
      await writeLifecycleEvent(
        ctx,
        ref,
        async (latest) => {
          return pauseFailedEvent({ reason, message }, heldPods(await objects.podsOf(latest)).length > 0);
        },
        { type: 'Warning', reason: EVENT_REASONS.PauseFailed, message: `${reason}: ${message}` },
        claim,
      );
    },

    async markPauseCancelled(ref, claim) {
      await writeLifecycleEvent(
        ctx,
        ref,
        { type: 'pauseCancelled' },
        { type: 'Normal', reason: EVENT_REASONS.PauseCancelled, message: 'Pause cancelled: pause set to false' },
        claim,
      );
    },

    async deleteSnapshots(namespace, names) {
      await Promise.all(names.map((name) => snapshots.delete(namespace, name)));
    },
  };
}
