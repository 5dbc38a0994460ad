// The pause of one BatchSandbox generation (id `pause/<ns>/<name>/<uid>/<generation>`, ADR 0004):
//   markPausing (with the source pods) -> per replica, in parallel: preparePauseSnapshot + commitSnapshot
//   (its commit Job, run inline) -> releaseAndMarkPaused (point of no return)
// Before the point of no return every way out leaves the sandbox running: a failed snapshot cancels its
// siblings (their clean-up deletes their Jobs) and records PauseFailed; the deadline does the same with
// reason Timeout; a cancellation (pause:false while Pausing) also deletes this pause's snapshots and
// records PauseCancelled. From the point of no return on, the pause finishes whatever arrives. A snapshot
// step the apiserver refuses for good fails the pause like a failed snapshot; any other refused step ends
// the run with a PauseRejected Event (retrying would be refused again).
//
// A cancelled pause returns outcome `cancelled` instead of rethrowing the cancellation: its clean-up ran to
// completion, and the run shows as completed with that outcome rather than as an aborted execution.
import { CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { PauseFailure } from '../activities/lifecycle-activity-types.js';
import type { SnapshotRef } from '../api/object-refs.js';
import type { PauseSource, PauseSourceResult } from '../planners/lifecycle/pause-source.js';
import { snapshotPauseFailure } from '../planners/lifecycle/pause-status.js';
import { commitSnapshot, CommitJobWakeups } from './commit-snapshot.js';
import type { LifecycleResult, PauseWorkflowInput, SnapshotWorkflowResult } from './lifecycle-api.js';
import { apiRejectionOf } from './activity-failure.js';
import { endOnFinalFailure, lifecycleActivities as steps } from './lifecycle-activities.js';
import { trackProgress } from './lifecycle-progress.js';

/** How the commit of every replica ended: all committed (the sources to release), or the first failure. */
type Commits = { ok: true; sources: PauseSource[] } | { ok: false; failure: PauseFailure };

export async function pauseWorkflow({ sandbox, generation, deadlineMs }: PauseWorkflowInput): Promise<LifecycleResult> {
  const progress = trackProgress('pause', { kind: 'BatchSandbox', namespace: sandbox.namespace, name: sandbox.name });
  const workflowScope = CancellationScope.current();
  const deadlineAt = workflowInfo().startTime.getTime() + deadlineMs;
  /** This pause's snapshots: a cancelled pause deletes them. */
  const prepared: SnapshotRef[] = [];
  const wakeups = new CommitJobWakeups();
  /** What markPausing left as pauseObservedGeneration: the outcome is written only while it stands. */
  let claim: number | undefined;

  try {
    progress.step('marking pausing');
    const start = await steps.markPausing(sandbox, generation);
    if (!start.proceed) return progress.end('abandoned', start.why);
    claim = start.claim;
    const resolved = start.sources;

    let commits: Commits;
    try {
      commits = await CancellationScope.withTimeout(Math.max(1, deadlineAt - Date.now()), () => commitReplicas(resolved));
    } catch (err) {
      const rejected = apiRejectionOf(err);
      if (rejected) {
        // A snapshot the apiserver will not take: the sandbox keeps running, as for any failed snapshot.
        commits = { ok: false, failure: { reason: 'SnapshotFailed', message: `the apiserver refused ${progress.current()}: ${rejected.message}` } };
      } else {
        if (!isCancellation(err) || workflowScope.consideredCancelled) throw err;
        commits = { ok: false, failure: { reason: 'Timeout', message: `pause did not finish within ${deadlineMs / 1000}s` } };
      }
    }
    // The outcome is written whatever arrives meanwhile: a cancellation now would leave it half-done.
    return await CancellationScope.nonCancellable(async () => {
      if (!commits.ok) {
        progress.step('recording failure');
        await steps.markPauseFailed(sandbox, commits.failure, claim);
        return progress.end('failed', `${commits.failure.reason}: ${commits.failure.message}`);
      }
      progress.step('releasing pods and marking paused');
      await steps.releaseAndMarkPaused(sandbox, commits.sources, claim);
      return progress.end('succeeded');
    });
  } catch (err) {
    const ended = endOnFinalFailure(err, progress, sandbox, 'pause');
    if (ended) return ended;
    if (!isCancellation(err) || !workflowScope.consideredCancelled) throw err;
    // The commits are done by now: each cleaned up (Job deleted) before it ended.
    return await CancellationScope.nonCancellable(async () => {
      try {
        progress.step('deleting snapshots');
        await steps.deleteSnapshots(
          sandbox.namespace,
          prepared.map((s) => s.name),
        );
        progress.step('marking pause cancelled');
        await steps.markPauseCancelled(sandbox, claim);
        return progress.end('cancelled');
      } catch (cleanupErr) {
        const ended = endOnFinalFailure(cleanupErr, progress, sandbox, 'pause');
        if (ended) return ended;
        throw cleanupErr;
      }
    });
  }

  async function commitReplicas(resolved: PauseSourceResult): Promise<Commits> {
    if (!resolved.ok) return { ok: false, failure: { reason: resolved.reason, message: resolved.message } };
    const failure = await firstFailure(resolved.sources.map((source) => () => commitReplica(source)));
    return failure ? { ok: false, failure: snapshotPauseFailure(failure) } : { ok: true, sources: resolved.sources };
  }

  async function commitReplica(source: PauseSource): Promise<SnapshotWorkflowResult> {
    progress.step('preparing snapshots');
    // Not abandoned half-way: a cancelled pause must learn the snapshot it created, to delete it.
    const { snapshot, commit } = await CancellationScope.nonCancellable(() => steps.preparePauseSnapshot(sandbox, source, generation));
    prepared.push(snapshot);
    return commitSnapshot(snapshot, commit, wakeups, (step) => progress.step(step));
  }
}

/**
 * Runs the commits side by side and returns the first failed one, after cancelling the others and
 * waiting for their clean-up; undefined when all succeeded. An error (OBJECT_GONE, a cancellation from
 * outside) also cancels the others and is rethrown once they are done.
 */
async function firstFailure(commits: (() => Promise<SnapshotWorkflowResult>)[]): Promise<Extract<SnapshotWorkflowResult, { phase: 'Failed' }> | undefined> {
  const siblings = new CancellationScope();
  let failed: Extract<SnapshotWorkflowResult, { phase: 'Failed' }> | undefined;
  let error: { err: unknown } | undefined;
  let cancelledHere = false;
  const stopOthers = (): void => {
    cancelledHere = true;
    siblings.cancel();
  };
  await Promise.all(
    commits.map((commit) =>
      siblings.run(commit).then(
        (result) => {
          if (result.phase === 'Failed' && !failed && !error) {
            failed = result;
            stopOthers();
          }
        },
        (err: unknown) => {
          if (cancelledHere && isCancellation(err)) return;
          error ??= { err };
          stopOthers();
        },
      ),
    ),
  );
  if (error) throw error.err;
  return failed;
}
