// Activities of a snapshot's commit (ADR 0004, spec §6.6): plan the commit, run the commit Job, record
// its outcome. Each acts on the snapshot by UID: status writes start from the latest copy (OBJECT_GONE when
// it is gone or replaced; nextSnapshotStatus: terminal phases never move), and a Job is owned by that UID
// (the garbage collector removes one created for a snapshot deleted meanwhile).
import type { V1Job } from '@kubernetes/client-node';
import type { SandboxSnapshot, SandboxSnapshotStatus } from '../api/v1alpha1/sandbox-snapshot.js';
import { API_VERSION, SANDBOX_SNAPSHOT } from '../api/v1alpha1/group.js';
import { EVENT_REASONS, type InvolvedObject } from '../kernel/events.js';
import { apiErrorMessage, isApiStatus, unlessNotFound } from '../kernel/kube-errors.js';
import {
  buildCommitJob,
  buildUnpauseJob,
  commitJobOutcome,
  JOB_NAME_LABEL,
  readCommitResult,
  withLastAttempt,
  type CommitResult,
  type CommitResultRead,
  type CommitTarget,
} from '../planners/lifecycle/commit-job.js';
import { commitPodStartFailure } from '../planners/lifecycle/commit-pod-start.js';
import { onLiveNode, planSnapshotCommit, type SnapshotCommitPlan } from '../planners/lifecycle/snapshot-commit-plan.js';
import { commitJobName } from '../planners/lifecycle/snapshot-names.js';
import { isTerminalSnapshot, nextSnapshotStatus, type SnapshotEvent } from '../planners/lifecycle/snapshot-status.js';
import type { LifecycleContext, LifecycleObjects } from './lifecycle-objects.js';
import type { CommitJobState, CommitPlanStep, PauseFailure, SnapshotActivities } from './lifecycle-activity-types.js';
import type { SnapshotRef } from '../api/object-refs.js';
import { deleteJob } from './snapshot-jobs.js';

/** The source and images a status records, once planned. */
function plannedTarget(status: SandboxSnapshotStatus | undefined): CommitTarget | undefined {
  const { sourcePodName, sourceNodeName, containers = [] } = status ?? {};
  if (!sourcePodName || !sourceNodeName || containers.length === 0) return undefined;
  return {
    podName: sourcePodName,
    nodeName: sourceNodeName,
    containers: containers.map((c) => ({ containerName: c.containerName, imageUri: c.imageUri })),
  };
}

/** Where a snapshot already terminal stands, as a commit step; a Failed one says why (its Failed condition). */
export function terminalStep(snapshot: SandboxSnapshot): Extract<CommitPlanStep, { state: 'terminal' }> {
  if (snapshot.status?.phase === 'Succeed') return { state: 'terminal', phase: 'Succeed' };
  const failed = snapshot.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return { state: 'terminal', phase: 'Failed', reason: failed?.reason || 'SnapshotFailed', message: failed?.message || 'snapshot failed' };
}

/** Where the commit of a snapshot already terminal stands (terminalStep, as checkCommitJob answers). */
export function terminalState(snapshot: SandboxSnapshot): CommitJobState {
  const step = terminalStep(snapshot);
  return step.phase === 'Succeed' ? { state: 'committed' } : { state: 'failed', reason: step.reason, message: step.message };
}

/** A plan that stands, checked against its node (one Node read); a failed plan as it is. */
export async function planOnLiveNode(objects: LifecycleObjects, plan: SnapshotCommitPlan): Promise<SnapshotCommitPlan> {
  return plan.ok ? onLiveNode(plan, await objects.readNode(plan.target.nodeName)) : plan;
}

/** Status writes of a snapshot, shared by the snapshot steps and the pause's preparePauseSnapshot. */
export function snapshotRecords(ctx: LifecycleContext) {
  const { objects, events, log, settings, now } = ctx;

  const write = (ref: SnapshotRef, event: SnapshotEvent | SnapshotEvent[]) =>
    objects.snapshots.updateStatus(ref, (latest) => [event].flat().reduce((status, e) => nextSnapshotStatus({ ...latest, status }, e, now()), latest.status));

  async function createJob(namespace: string, job: V1Job): Promise<boolean> {
    try {
      await objects.batch.createNamespacedJob({ namespace, body: job });
      return true;
    } catch (err) {
      if (isApiStatus(err, 409)) return false;
      throw err;
    }
  }

  /** Phase Failed; with `unpause`, the unpause Job when the source is known (the commit may have frozen it). */
  async function recordFailure(ref: SnapshotRef, failure: PauseFailure, reason: string, unpause: boolean): Promise<SandboxSnapshot> {
    const written = await write(ref, { type: 'failed', reason: failure.reason, message: failure.message });
    if (written.status?.phase !== 'Failed') return written;
    const target = unpause ? plannedTarget(written.status) : undefined;
    if (target) await createJob(ref.namespace, buildUnpauseJob(written, target, settings));
    log.info({ kind: 'SandboxSnapshot', namespace: ref.namespace, name: ref.name, reason: failure.reason, unpause: target !== undefined }, 'Snapshot failed');
    events.record(written, 'Warning', reason, `${failure.reason}: ${failure.message}`);
    return written;
  }

  /** A commit's result as the snapshot's status (phase Succeed with the digests) and a Normal Event. */
  async function recordCommit(ref: SnapshotRef, result: CommitResult, reason: string, message: string): Promise<CommitJobState> {
    const written = await write(ref, { type: 'committed', result });
    if (written.status?.phase !== 'Succeed') return terminalState(written);
    events.record(written, 'Normal', reason, message);
    return { state: 'committed' };
  }

  return { write, createJob, recordFailure, recordCommit };
}

/** The snapshot a ref names, as an Event's or a Job's subject: no read needed. */
function snapshotObject({ namespace, name, uid }: SnapshotRef): InvolvedObject {
  return { apiVersion: API_VERSION, kind: SANDBOX_SNAPSHOT.kind, metadata: { name, namespace, uid } };
}

export function createSnapshotActivities(ctx: LifecycleContext): SnapshotActivities {
  const { objects, events, log, settings, now } = ctx;
  const { snapshots, batch } = objects;
  const { write, createJob, recordFailure, recordCommit } = snapshotRecords(ctx);

  const jobPods = (ref: SnapshotRef) => objects.listPods(ref.namespace, `${JOB_NAME_LABEL}=${commitJobName(ref.name)}`);

  /** The succeeded Job's result, from its pods, as the snapshot's status; a missing or malformed one fails it. */
  async function recordJobCommit(ref: SnapshotRef, jobName: string, read?: CommitResultRead): Promise<CommitJobState> {
    const result = read ?? readCommitResult(jobName, await jobPods(ref));
    if (!result.ok) return { state: 'failed', reason: 'CommitResultInvalid', message: result.message };
    return recordCommit(ref, result.result, EVENT_REASONS.JobSucceeded, `Commit job ${jobName} succeeded`);
  }

  return {
    async planCommit(ref) {
      // Acknowledged and planned in one status write (re-planned from the latest object on a conflict).
      let plan: SnapshotCommitPlan | undefined;
      const snapshot = await snapshots.updateStatus(ref, async (latest) => {
        const acknowledged = { ...latest, status: nextSnapshotStatus(latest, { type: 'acknowledged' }, now()) };
        plan = undefined;
        if (isTerminalSnapshot(acknowledged)) return acknowledged.status;
        const sandbox = await objects.sandboxes.find(ref.namespace, latest.spec.sandboxName);
        const { pods, poolUid } = sandbox ? await objects.podsOf(sandbox) : { pods: [], poolUid: undefined };
        plan = await planOnLiveNode(
          objects,
          planSnapshotCommit({ snapshot: acknowledged, sandbox, pods, registry: settings.registry, ...(poolUid === undefined ? {} : { poolUid }) }),
        );
        return plan.ok ? nextSnapshotStatus(acknowledged, { type: 'planned', target: plan.target }, now()) : acknowledged.status;
      });
      if (plan === undefined || isTerminalSnapshot(snapshot)) return terminalStep(snapshot);
      if (!plan.ok) return terminalStep(await recordFailure(ref, plan, EVENT_REASONS.SnapshotFailed, false));
      return { state: 'planned', target: plan.target, deadlineSeconds: settings.timeoutSeconds };
    },

    async createCommitJob(ref, target) {
      const job = buildCommitJob(snapshotObject(ref), target, settings);
      const name = job.metadata!.name!;
      let created: boolean;
      try {
        created = await createJob(ref.namespace, job);
      } catch (err) {
        events.record(snapshotObject(ref), 'Warning', EVENT_REASONS.FailedCreateJob, `Failed to create commit job ${name}: ${apiErrorMessage(err)}`);
        throw err;
      }
      const written = await write(ref, [{ type: 'acknowledged' }, { type: 'planned', target }, { type: 'committing' }]);
      if (created) {
        log.info({ kind: 'Job', namespace: ref.namespace, name, snapshot: ref.name, node: target.nodeName }, 'Created commit job');
        events.record(written, 'Normal', EVENT_REASONS.CreatedJob, `Created commit job ${name}`);
      }
    },

    async checkCommitJob(ref) {
      const name = commitJobName(ref.name);
      const [snapshot, job] = await Promise.all([snapshots.read(ref), unlessNotFound(batch.readNamespacedJob({ namespace: ref.namespace, name }))]);
      // Already recorded (a retry): nothing is written or announced twice.
      if (isTerminalSnapshot(snapshot)) return terminalState(snapshot);
      if (job === undefined) return { state: 'missing' };
      const outcome = commitJobOutcome(job);
      if (outcome.state === 'succeeded') return recordJobCommit(ref, name);
      const pods = await jobPods(ref);
      // The committer's pod reports its result a second or two before the Job controller (which batches
      // pod updates) marks the Job Complete; with one completion, that result is the Job's.
      const reported = outcome.state === 'running' ? readCommitResult(name, pods) : undefined;
      if (reported?.ok) return recordJobCommit(ref, name, reported);
      return outcome.state === 'running' ? (commitPodStartFailure(name, pods) ?? outcome) : withLastAttempt(outcome, pods);
    },

    async recordSnapshotFailure(ref, failure) {
      await recordFailure(ref, failure, EVENT_REASONS.JobFailed, true);
    },

    async deleteCommitJob(ref) {
      await deleteJob(batch, ref.namespace, commitJobName(ref.name));
    },
  };
}
