// Activities of the resume workflow (ADR 0004, spec §6.4): find the snapshots, rewrite the template to
// their images, recreate the pods, watch them come up. Each re-reads the sandbox it acts for (OBJECT_GONE
// when it is gone or replaced); the template rewrite is guarded by resourceVersion and re-planned.
import { isDeepStrictEqual } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import { LABELS } from '../api/v1alpha1/contract.js';
import { EVENT_REASONS } from '../kernel/events.js';
import { isApiStatus } from '../kernel/kube-errors.js';
import { buildNonPooledPod, podIndexOf, sortByIndex } from '../planners/sandbox/non-pooled-pods.js';
import { snapshotsRetiredByResume } from '../planners/lifecycle/pause-snapshot.js';
import { heldPods } from '../planners/lifecycle/pause-source.js';
import { controllerOf, isReady, isTerminating } from '../planners/kube/pod-state.js';
import { resumeProgress } from '../planners/lifecycle/resume-progress.js';
import { selectResumeSources } from '../planners/lifecycle/resume-source.js';
import { resumeSpecPatch } from '../planners/lifecycle/resume-template.js';
import { StrategicMergeError } from '../planners/kube/strategic-merge.js';
import { WRITE_ATTEMPTS, type LifecycleContext, type ObjectRef } from './lifecycle-objects.js';
import type { ResumeActivities } from './lifecycle-activity-types.js';
import { markStarted, writeLifecycleEvent } from './sandbox-lifecycle-status.js';

/** ApplicationFailure type: a shard patch cannot be applied, so its pod cannot be built (not retryable). */
export const INVALID_SHARD_PATCH = 'InvalidShardPatch';

type Spec = BatchSandbox['spec'];

/** Whether the spec already holds everything the rewrite would write (a retried step). */
function rewritten(spec: Spec, patch: { template: Spec['template']; shardPatches?: Spec['shardPatches'] }): boolean {
  return isDeepStrictEqual(spec.template, patch.template) && (patch.shardPatches === undefined || isDeepStrictEqual(spec.shardPatches, patch.shardPatches));
}

export function createResumeActivities(ctx: LifecycleContext): ResumeActivities {
  const { objects, log, settings } = ctx;
  const { sandboxes, snapshots } = objects;

  /** The pods the sandbox controls (by UID), in index order. */
  async function ownPods(ref: ObjectRef): Promise<V1Pod[]> {
    const pods = await objects.listPods(ref.namespace, `${LABELS.batchSandboxName}=${ref.name}`);
    return sortByIndex(pods.filter((pod) => controllerOf(pod)?.uid === ref.uid));
  }

  return {
    async markResuming(ref, generation) {
      const { gate, sandbox, snapshots: found } = await markStarted(ctx, 'resume', ref, generation);
      if (!gate.proceed) return gate;
      const claim = sandbox.status?.pauseObservedGeneration;
      const sources = selectResumeSources(sandbox, found);
      if (sources.ok) return { proceed: true, snapshots: sources, claim };
      const hasReadyPod = heldPods(await objects.podsOf(sandbox)).some(isReady);
      return { proceed: true, snapshots: { ...sources, hasReadyPod }, claim };
    },

    async rewriteTemplate(ref, restores) {
      for (let attempt = 1; ; attempt++) {
        const latest = await sandboxes.read(ref);
        const planned = resumeSpecPatch(latest, restores, settings.resumePullSecretName);
        if (!planned.ok) return planned;
        if (rewritten(latest.spec, planned.patch.spec)) return { ok: true };
        try {
          await sandboxes.patch(ref.namespace, ref.name, { metadata: { resourceVersion: latest.metadata.resourceVersion }, ...planned.patch });
          log.info(
            { kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, snapshots: restores.map((r) => r.snapshotName) },
            'Rewrote template to snapshot images',
          );
          return { ok: true };
        } catch (err) {
          if (!isApiStatus(err, 409) || attempt >= WRITE_ATTEMPTS) throw err;
        }
      }
    },

    async recreatePods(ref) {
      const sandbox = await sandboxes.read(ref);
      // A terminating pod (the paused one, on a real node) still holds its name: its index is created
      // again once it is gone (the workflow asks again while a replica is missing).
      const taken = new Set((await ownPods(ref)).filter((pod) => !isTerminating(pod)).map(podIndexOf));
      const missing = Array.from({ length: sandbox.spec.replicas }, (_, index) => index).filter((index) => !taken.has(index));
      await Promise.all(
        missing.map(async (index) => {
          let pod: V1Pod;
          try {
            pod = buildNonPooledPod(sandbox, index);
          } catch (err) {
            if (err instanceof StrategicMergeError) throw ApplicationFailure.nonRetryable(err.message, INVALID_SHARD_PATCH);
            throw err;
          }
          try {
            await objects.core.createNamespacedPod({ namespace: ref.namespace, body: pod });
          } catch (err) {
            if (!isApiStatus(err, 409)) throw err;
          }
        }),
      );
      if (missing.length > 0) log.info({ kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, indexes: missing }, 'Recreating resumed pods');
    },

    async inspectResumedPods(ref) {
      const sandbox = await sandboxes.read(ref);
      return resumeProgress(await ownPods(ref), sandbox.spec.replicas);
    },

    async markResumed(ref, generation, claim) {
      await writeLifecycleEvent(ctx, ref, { type: 'resumeSucceeded' }, { type: 'Normal', reason: EVENT_REASONS.Resumed, message: 'Sandbox resumed' }, claim);
      // The snapshots were the restore point until now: the resumed pods are Ready.
      const retired = snapshotsRetiredByResume(await snapshots.list(ref.namespace), ref.uid, generation);
      await Promise.all(retired.map((s) => snapshots.delete(ref.namespace, s.metadata.name, s.metadata.uid)));
    },

    async markResumeFailed(ref, { phase, reason, message, podFailed }, claim) {
      await writeLifecycleEvent(
        ctx,
        ref,
        { type: 'resumeFailed', phase, reason, message, ...(podFailed ? { podFailed } : {}) },
        { type: 'Warning', reason: EVENT_REASONS.ResumeFailed, message: `${reason}: ${message}` },
        claim,
      );
    },
  };
}
