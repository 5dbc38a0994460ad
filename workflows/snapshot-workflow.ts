// The commit of one of the server's SandboxSnapshots (`osb-snap-*`; id `snapshot/<ns>/<snapshot>/<uid>`),
// started by the SandboxSnapshot watcher. The pause commits its internal snapshots itself.
//   planCommit -> commitSnapshot (createCommitJob -> wait for the Job -> checkCommitJob | recordSnapshotFailure)
import { isCancellation } from '@temporalio/workflow';
import type { SnapshotWorkflowInput, SnapshotWorkflowResult } from './lifecycle-api.js';
import { apiRejectionOf } from './activity-failure.js';
import { isObjectGone, lifecycleActivities as steps } from './lifecycle-activities.js';
import { trackProgress } from './lifecycle-progress.js';
import { commitSnapshot, CommitJobWakeups } from './commit-snapshot.js';

export async function snapshotWorkflow({ snapshot, sandboxName }: SnapshotWorkflowInput): Promise<SnapshotWorkflowResult> {
  const { namespace, name } = snapshot;
  const progress = trackProgress('snapshot', { kind: 'SandboxSnapshot', namespace, name, sandbox: sandboxName });
  const wakeups = new CommitJobWakeups();

  try {
    progress.step('planning commit');
    const plan = await steps.planCommit(snapshot);
    const result = await commitSnapshot(snapshot, plan, wakeups, (step) => progress.step(step));
    if (result.phase === 'Succeed') progress.end('succeeded');
    else progress.end('failed', `${result.reason}: ${result.message}`);
    return result;
  } catch (err) {
    if (isObjectGone(err)) {
      const message = `snapshot ${name} is gone`;
      progress.end('abandoned', message);
      return { phase: 'Failed', reason: 'SnapshotNotFound', message };
    }
    const rejected = apiRejectionOf(err);
    if (rejected) {
      // Not even the failure could be recorded: the run ends with what it knows, not retried.
      const message = `the apiserver refused ${progress.current()}: ${rejected.message}`;
      progress.end('failed', message);
      return { phase: 'Failed', reason: 'CommitJobFailed', message };
    }
    if (isCancellation(err)) progress.end('cancelled');
    throw err;
  }
}
