// The commit of one SandboxSnapshot (id `snapshot/<ns>/<snapshot>/<uid>`): a child of the pause workflow
// for the internal `<bs>-pause[-i]` snapshots, or on its own for the server's `osb-snap-*` ones.
//   planCommit -> createCommitJob -> wait for the Job -> recordCommit | recordSnapshotFailure
// Waiting is event-driven: the Job watcher signals `commitJobChanged` and the workflow looks again. The
// backstop wake-up below only bounds what a missed signal (watcher restart, workflow id not yet known)
// costs; it is not a poll loop.
import { CancellationScope, condition, isCancellation, setHandler } from '@temporalio/workflow';
import type { CommitPlanStep, PauseFailure } from '../activities/pause-activity-types.js';
import type { CommitTarget } from '../planners/commit-job.js';
import { commitJobChangedSignal, type SnapshotWorkflowInput, type SnapshotWorkflowResult } from './lifecycle-api.js';
import { isObjectGone, lifecycleActivities as steps } from './lifecycle-activities.js';
import { trackProgress } from './lifecycle-progress.js';

/** Without a signal the Job is still looked at this often. */
const BACKSTOP_MS = 30_000;
/** Beyond the Job's own activeDeadlineSeconds: the Job normally reports its DeadlineExceeded first. */
const DEADLINE_GRACE_SECONDS = 30;
/** A Job deleted from outside is re-created this many times; then the snapshot fails. */
const MAX_RECREATIONS = 3;

export async function snapshotWorkflow({ snapshot, sandboxName }: SnapshotWorkflowInput): Promise<SnapshotWorkflowResult> {
  const { namespace, name } = snapshot;
  const progress = trackProgress('snapshot', { kind: 'SandboxSnapshot', namespace, name, sandbox: sandboxName });
  let jobChanged = false;
  setHandler(commitJobChangedSignal, () => {
    jobChanged = true;
  });

  try {
    progress.step('planning commit');
    const plan = await steps.planCommit(snapshot);
    const result = plan.state === 'terminal' ? alreadyEnded(plan) : await commit(plan.target, plan.deadlineSeconds);
    if (result.phase === 'Succeed') progress.end('succeeded');
    else progress.end('failed', `${result.reason}: ${result.message}`);
    return result;
  } catch (err) {
    if (isObjectGone(err)) {
      const message = `snapshot ${name} is gone`;
      progress.end('abandoned', message);
      return { phase: 'Failed', reason: 'SnapshotNotFound', message };
    }
    if (isCancellation(err)) {
      // Cancelled by its pause (cancellation, deadline, a sibling's failure) or by the watcher. Deleting the
      // Job stops the committer, which unpauses the sandbox's containers on SIGTERM.
      await CancellationScope.nonCancellable(async () => {
        progress.step('deleting commit job');
        try {
          await steps.deleteCommitJob(snapshot);
          await steps.recordSnapshotFailure(snapshot, { reason: 'Cancelled', message: 'snapshot cancelled' });
        } catch (cleanupErr) {
          if (!isObjectGone(cleanupErr)) throw cleanupErr;
        }
      });
      progress.end('cancelled');
    }
    throw err;
  }

  async function commit(target: CommitTarget, deadlineSeconds: number): Promise<SnapshotWorkflowResult> {
    let recreations = 0;
    let deadlineAt = await createJob();
    for (;;) {
      progress.step('waiting for commit job');
      await condition(() => jobChanged, Math.min(BACKSTOP_MS, deadlineAt - Date.now()));
      jobChanged = false;
      progress.step('inspecting commit job');
      const job = await steps.inspectCommitJob(snapshot);
      switch (job.state) {
        case 'running':
          if (Date.now() < deadlineAt) break;
          progress.step('deleting commit job');
          await steps.deleteCommitJob(snapshot);
          return fail({ reason: 'Timeout', message: `commit job did not finish within ${deadlineSeconds + DEADLINE_GRACE_SECONDS}s` });
        case 'missing':
          if (recreations === MAX_RECREATIONS) {
            return fail({ reason: 'CommitJobFailed', message: `commit job deleted (re-created ${MAX_RECREATIONS} times already)` });
          }
          recreations++;
          deadlineAt = await createJob();
          break;
        case 'succeeded': {
          progress.step('recording commit');
          const record = await steps.recordCommit(snapshot);
          return record.ok ? { phase: 'Succeed' } : fail(record);
        }
        case 'failed':
          return fail(job);
      }
    }

    /** Creates the Job; returns when the workflow gives up on it: the Job's own deadline plus grace. */
    async function createJob(): Promise<number> {
      progress.step('creating commit job');
      await steps.createCommitJob(snapshot, target);
      return Date.now() + (deadlineSeconds + DEADLINE_GRACE_SECONDS) * 1000;
    }
  }

  async function fail({ reason, message }: PauseFailure): Promise<SnapshotWorkflowResult> {
    progress.step('recording failure');
    await steps.recordSnapshotFailure(snapshot, { reason, message });
    return { phase: 'Failed', reason, message };
  }
}

/** planCommit found the snapshot terminal (a repeated run, or a failure before any Job) and recorded it. */
function alreadyEnded(plan: Extract<CommitPlanStep, { state: 'terminal' }>): SnapshotWorkflowResult {
  if (plan.phase === 'Succeed') return { phase: 'Succeed' };
  return { phase: 'Failed', reason: plan.reason ?? 'SnapshotFailed', message: plan.message ?? 'snapshot failed' };
}
