// The commit of one SandboxSnapshot once its plan is known, inside the workflow that needs it: the pause
// runs one per replica (no child workflow: a child's start and completion are two more workflow-task
// hand-overs on the pause's path), the snapshot workflow runs one for the server's snapshots.
//   commitOnNodeAgent (records a success) | recordSnapshotFailure        the node's agent serves it (ADR 0007)
//   createCommitJob -> wait for the Job -> checkCommitJob (records a success) | recordSnapshotFailure   else
// Waiting is event-driven: the Job watcher signals `commitJobChanged` with the snapshot's name and the
// commit looks again. The backstop wake-up only bounds what a missed signal (watcher restart, snapshot not
// yet in its cache) costs; it is not a poll loop.
import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { CancellationScope, condition, isCancellation, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AgentCommitActivities, AgentCommitOutcome, CommitPlanStep, PauseFailure } from '../activities/lifecycle-activity-types.js';
import { OBJECT_GONE } from '../api/activity-failure-types.js';
import type { SnapshotRef } from '../api/object-refs.js';
import type { CommitTarget } from '../planners/lifecycle/commit-job.js';
import { commitJobChangedSignal, type SnapshotWorkflowResult } from './lifecycle-api.js';
import { apiRejectionOf } from './activity-failure.js';
import { isObjectGone, lifecycleActivities as steps } from './lifecycle-activities.js';
import { BULK_RETRY } from './activity-options.js';

/** Without a signal the Job is still looked at this often. */
const BACKSTOP_MS = 30_000;
/** Beyond the Job's own activeDeadlineSeconds: the Job normally reports its DeadlineExceeded first. */
const DEADLINE_GRACE_SECONDS = 30;
/** A Job deleted from outside is re-created this many times; then the snapshot fails. */
const MAX_RECREATIONS = 3;
/** Runs started before the node agent existed replay without asking for it. */
const NODE_AGENT_PATCH = 'commit-on-node-agent';
/** The agent's commit reports at least this often (it waits 5 s at a time); a silent one is retried. */
const AGENT_HEARTBEAT_TIMEOUT = '15 seconds';

/** The `commitJobChanged` wake-ups of one workflow, by snapshot name. Create once, before any commit. */
export class CommitJobWakeups {
  private readonly changed = new Set<string>();

  constructor() {
    setHandler(commitJobChangedSignal, (snapshotName) => {
      this.changed.add(snapshotName);
    });
  }

  /** Resolves once the snapshot's Job was reported changed (since the last wait), or after `timeoutMs`. */
  async wait(snapshotName: string, timeoutMs: number): Promise<void> {
    await condition(() => this.changed.has(snapshotName), timeoutMs);
    this.changed.delete(snapshotName);
  }
}

/**
 * Commits `snapshot` as `plan` says and returns the phase it ended in. A snapshot that is gone ends as
 * Failed (SnapshotNotFound); one whose commit the apiserver refuses for good, at once as Failed
 * (CommitJobFailed). A cancellation deletes the Job (the committer unpauses the source on SIGTERM) and
 * records the snapshot as Cancelled before it is rethrown. `step` names each step for `progress`.
 */
export async function commitSnapshot(
  snapshot: SnapshotRef,
  plan: CommitPlanStep,
  wakeups: CommitJobWakeups,
  step: (name: string) => void,
): Promise<SnapshotWorkflowResult> {
  try {
    return plan.state === 'terminal' ? alreadyEnded(plan) : await commit(plan.target, plan.deadlineSeconds);
  } catch (err) {
    if (isObjectGone(err)) return { phase: 'Failed', reason: 'SnapshotNotFound', message: `snapshot ${snapshot.name} is gone` };
    // A Job the apiserver will not take (quota, admission policy) fails the commit now, not at its deadline.
    const rejected = apiRejectionOf(err);
    if (rejected) return fail({ reason: 'CommitJobFailed', message: `the apiserver refused the commit: ${rejected.message}` });
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        step('deleting commit job');
        try {
          await steps.deleteCommitJob(snapshot);
          await steps.recordSnapshotFailure(snapshot, { reason: 'Cancelled', message: 'snapshot cancelled' });
        } catch (cleanupErr) {
          if (!isObjectGone(cleanupErr)) throw cleanupErr;
        }
      });
    }
    throw err;
  }

  async function commit(target: CommitTarget, deadlineSeconds: number): Promise<SnapshotWorkflowResult> {
    if (patched(NODE_AGENT_PATCH)) {
      step('committing on the node agent');
      const viaAgent = await commitOnNodeAgent(target, deadlineSeconds);
      if (viaAgent.state === 'committed') return { phase: 'Succeed' };
      if (viaAgent.state === 'failed') return fail(viaAgent);
    }
    return commitByJob(target, deadlineSeconds);
  }

  /** The commit through the node's agent, bounded as the Job would be: its deadline plus grace. */
  async function commitOnNodeAgent(target: CommitTarget, deadlineSeconds: number): Promise<AgentCommitOutcome> {
    const bound = `${deadlineSeconds + DEADLINE_GRACE_SECONDS} seconds`;
    const agent = proxyActivities<AgentCommitActivities>({
      scheduleToCloseTimeout: bound,
      startToCloseTimeout: bound,
      heartbeatTimeout: AGENT_HEARTBEAT_TIMEOUT,
      retry: { ...BULK_RETRY, nonRetryableErrorTypes: [OBJECT_GONE] },
    });
    try {
      return await agent.commitOnNodeAgent(snapshot, target);
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) {
        return { state: 'failed', reason: 'Timeout', message: `the node agent's commit did not finish within ${deadlineSeconds + DEADLINE_GRACE_SECONDS}s` };
      }
      throw err;
    }
  }

  async function commitByJob(target: CommitTarget, deadlineSeconds: number): Promise<SnapshotWorkflowResult> {
    let recreations = 0;
    let deadlineAt = await createJob();
    for (;;) {
      step('waiting for commit job');
      await wakeups.wait(snapshot.name, Math.min(BACKSTOP_MS, deadlineAt - Date.now()));
      step('checking commit job');
      const job = await steps.checkCommitJob(snapshot);
      switch (job.state) {
        case 'running':
          if (Date.now() < deadlineAt) break;
          step('deleting commit job');
          await steps.deleteCommitJob(snapshot);
          return fail({ reason: 'Timeout', message: `commit job did not finish within ${deadlineSeconds + DEADLINE_GRACE_SECONDS}s` });
        case 'missing':
          if (recreations === MAX_RECREATIONS) {
            return fail({ reason: 'CommitJobFailed', message: `commit job deleted (re-created ${MAX_RECREATIONS} times already)` });
          }
          recreations++;
          deadlineAt = await createJob();
          break;
        case 'committed':
          return { phase: 'Succeed' };
        case 'failed':
          return fail(job);
      }
    }

    /** Creates the Job; returns when the commit gives up on it: the Job's own deadline plus grace. */
    async function createJob(): Promise<number> {
      step('creating commit job');
      await steps.createCommitJob(snapshot, target);
      return Date.now() + (deadlineSeconds + DEADLINE_GRACE_SECONDS) * 1000;
    }
  }

  async function fail({ reason, message }: PauseFailure): Promise<SnapshotWorkflowResult> {
    step('recording failure');
    await steps.recordSnapshotFailure(snapshot, { reason, message });
    return { phase: 'Failed', reason, message };
  }
}

/** The snapshot was terminal already (a repeated run, or a failure before any Job, then recorded). */
function alreadyEnded(plan: Extract<CommitPlanStep, { state: 'terminal' }>): SnapshotWorkflowResult {
  if (plan.phase === 'Succeed') return { phase: 'Succeed' };
  return { phase: 'Failed', reason: plan.reason, message: plan.message };
}
