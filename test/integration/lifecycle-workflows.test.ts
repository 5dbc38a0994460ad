// The pause, resume and snapshot workflows on the stack's real Temporal dev server, over faked activities
// (test/support/fake-lifecycle-activities.ts): ordering, compensation, cancellation, deadlines, signals and
// visibility. What each activity does to the cluster is the activities' own tests' business.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { SandboxRef, SnapshotRef } from '../../api/object-refs.js';
import type { TemporalConfig } from '../../config/operator-config.js';
import { pauseSnapshotName } from '../../planners/lifecycle/snapshot-names.js';
import { waitUntil } from '../../stack/wait-until.js';
import {
  commitJobChangedSignal,
  lifecycleProgressQuery,
  lifecycleSearchAttributes,
  pauseWorkflowId,
  resumeWorkflowId,
  sandboxPodsChangedSignal,
  snapshotWorkflowId,
  type LifecycleOperation,
} from '../../workflows/lifecycle-api.js';
import { pauseWorkflow } from '../../workflows/pause-workflow.js';
import { resumeWorkflow } from '../../workflows/resume-workflow.js';
import { snapshotWorkflow } from '../../workflows/snapshot-workflow.js';
import {
  apiRejected,
  FakeLifecycleCluster,
  objectGone,
  plannedCommit,
  routedActivities,
  type FakeLifecycleOptions,
} from '../support/fake-lifecycle-activities.js';
import { startFakeActivityWorker, type FakeActivityWorker } from '../support/fake-activity-worker.js';
import { recordingWorkflowHistories, saveWorkflowHistory } from '../support/workflow-history.js';

const GENERATION = 3;
const clusters = new Map<string, FakeLifecycleCluster>();
let runs: FakeActivityWorker;
let temporal: TemporalConfig;
let client: Client;

beforeAll(async () => {
  const clusterOf = (namespace: string) => {
    const cluster = clusters.get(namespace);
    if (!cluster) throw new Error(`no fake cluster for namespace ${namespace}`);
    return cluster;
  };
  runs = await startFakeActivityWorker('lifecycle', routedActivities(clusterOf));
  ({ temporal, client } = runs);
}, 120_000);

afterAll(() => runs?.stop(), 60_000);

let sequence = 0;
/** A sandbox in a namespace of its own, served by a fresh fake cluster. */
function setUp(options: FakeLifecycleOptions = {}): { sandbox: SandboxRef; cluster: FakeLifecycleCluster } {
  sequence++;
  const suffix = randomUUID().slice(0, 8);
  const sandbox = { namespace: `lifecycle-${sequence}-${suffix}`, name: `bs-${sequence}-${suffix}`, uid: randomUUID() };
  // A pause commits its snapshots itself; a snapshot run started by the test commits its own.
  const cluster = new FakeLifecycleCluster(
    (snapshot) =>
      client.workflow.getHandle(snapshotRuns.get(snapshot.name) ?? pauseWorkflowId(sandbox, GENERATION)).signal(commitJobChangedSignal, snapshot.name),
    options,
  );
  clusters.set(sandbox.namespace, cluster);
  return { sandbox, cluster };
}

function startOptions(sandbox: SandboxRef, workflowId: string, operation: LifecycleOperation) {
  return {
    taskQueue: temporal.taskQueue,
    workflowId,
    typedSearchAttributes: lifecycleSearchAttributes(sandbox.namespace, sandbox.name, operation),
    workflowExecutionTimeout: '2 minutes',
  };
}

async function startPause(sandbox: SandboxRef, deadlineMs = 60_000) {
  const handle = await client.workflow.start(pauseWorkflow, {
    ...startOptions(sandbox, pauseWorkflowId(sandbox, GENERATION), 'pause'),
    args: [{ sandbox, generation: GENERATION, deadlineMs }],
  });
  runs.track(handle);
  return handle;
}

async function startResume(sandbox: SandboxRef, deadlineMs = 60_000) {
  const handle = await client.workflow.start(resumeWorkflow, {
    ...startOptions(sandbox, resumeWorkflowId(sandbox, GENERATION), 'resume'),
    args: [{ sandbox, generation: GENERATION, deadlineMs }],
  });
  runs.track(handle);
  return handle;
}

/** Snapshots committed by a snapshot run (not by a pause): their Job changes go to that run. */
const snapshotRuns = new Map<string, string>();

async function startSnapshot(sandbox: SandboxRef, snapshot: SnapshotRef) {
  snapshotRuns.set(snapshot.name, snapshotWorkflowId(snapshot));
  const handle = await client.workflow.start(snapshotWorkflow, {
    ...startOptions(sandbox, snapshotWorkflowId(snapshot), 'snapshot'),
    args: [{ snapshot, sandboxName: sandbox.name }],
  });
  runs.track(handle);
  return handle;
}

function snapshotOf(sandbox: SandboxRef, index = 0): SnapshotRef {
  return { namespace: sandbox.namespace, name: pauseSnapshotName(sandbox.name, index), uid: `${sandbox.uid}-snapshot-${index}` };
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  await waitUntil(async () => probe(), { what, timeoutMs: 30_000, intervalMs: 50 });
}

/** Returns once the workflow has run a workflow task after the cancellation request reached it. */
async function cancelAndWaitUntilSeen(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  await waitFor(`${handle.workflowId} to see its cancellation`, async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
    return requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes);
  });
}

// No agent on the node (the fake's default): the commit Job runs.
const COMMIT_STEPS = ['commitOnNodeAgent', 'createCommitJob', 'checkCommitJob'];
const FAILED_PUSH = {
  state: 'failed',
  reason: 'CommitJobFailed',
  message: 'BackoffLimitExceeded: push registry.test/bs: unauthorized: authentication required',
} as const;

describe('pauseWorkflow', () => {
  it('commits through the node agent when one serves the node: no Job, then releases and marks Paused', async () => {
    const { sandbox, cluster } = setUp({ overrides: { commitOnNodeAgent: async () => ({ state: 'committed' }) } });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    expect(cluster.names()).toEqual(['markPausing', 'preparePauseSnapshot', 'commitOnNodeAgent', 'releaseAndMarkPaused']);
    expect(cluster.argsOf('commitOnNodeAgent')).toEqual([[snapshotOf(sandbox), (plannedCommit(snapshotOf(sandbox)) as { target: unknown }).target]]);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pause-workflow-node-agent.json');
  });

  it("fails the pause with the agent's message when its commit fails, and records the snapshot failure", async () => {
    const failure = { state: 'failed', reason: 'CommitFailed', message: 'push refused: 401 Unauthorized' } as const;
    const { sandbox, cluster } = setUp({ overrides: { commitOnNodeAgent: async () => failure } });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.has('createCommitJob')).toBe(false);
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), { reason: 'CommitFailed', message: failure.message }]]);
    expect(cluster.argsOf('markPauseFailed')[0]![1]).toMatchObject({ message: expect.stringContaining(failure.message) });
  });

  it('pauses one replica: commits its snapshot, then releases the pods and marks Paused last', async () => {
    const { sandbox, cluster } = setUp();
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    expect(cluster.names()).toEqual(['markPausing', 'preparePauseSnapshot', ...COMMIT_STEPS, 'releaseAndMarkPaused']);
    expect(cluster.argsOf('markPausing')).toEqual([[sandbox, GENERATION]]);
    expect(cluster.argsOf('preparePauseSnapshot')).toEqual([[sandbox, expect.objectContaining({ index: 0, podName: `${sandbox.name}-0` }), GENERATION]]);
    // The Job is created from the plan preparePauseSnapshot returned: no planCommit on the pause's path.
    expect(cluster.argsOf('createCommitJob')).toEqual([[snapshotOf(sandbox), (plannedCommit(snapshotOf(sandbox)) as { target: unknown }).target]]);
    expect(cluster.argsOf('releaseAndMarkPaused')[0]![1]).toMatchObject([{ index: 0, podName: `${sandbox.name}-0` }]);
    await expect(handle.query(lifecycleProgressQuery)).resolves.toEqual({
      operation: 'pause',
      step: 'ended',
      done: [
        'marking pausing',
        'preparing snapshots',
        'committing on the node agent',
        'creating commit job',
        'waiting for commit job',
        'checking commit job',
        'releasing pods and marking paused',
      ],
      outcome: 'succeeded',
    });
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pause-workflow.json');
  });

  it('pauses two replicas: both snapshots commit (in parallel) before the pods are released', async () => {
    const { sandbox, cluster } = setUp({ replicas: 2 });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    const names = cluster.names();
    expect(names.filter((n) => n === 'checkCommitJob')).toHaveLength(2);
    expect(names.lastIndexOf('checkCommitJob')).toBeLessThan(names.indexOf('releaseAndMarkPaused'));
    expect(names.at(-1)).toBe('releaseAndMarkPaused');
    // Both Jobs were created before either was recorded: the replicas ran side by side.
    expect(names.lastIndexOf('createCommitJob')).toBeLessThan(names.indexOf('checkCommitJob'));
    expect(cluster.argsOf('checkCommitJob').map(([s]) => s)).toEqual(expect.arrayContaining([snapshotOf(sandbox, 0), snapshotOf(sandbox, 1)]));
    expect((cluster.argsOf('releaseAndMarkPaused')[0]![1] as unknown[]).length).toBe(2);
  });

  it('ends without a trace when markPausing finds the generation no longer asks for a pause', async () => {
    const { sandbox, cluster } = setUp({ overrides: { markPausing: async () => ({ proceed: false, why: 'generation 3 no longer asks for a pause' }) } });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'abandoned', message: 'generation 3 no longer asks for a pause' });
    expect(cluster.names()).toEqual(['markPausing']);
  });

  it('records PauseFailed with the reason when no source pod is found', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        markPausing: async () => ({ proceed: true, sources: { ok: false, reason: 'SourcePodNotFound', message: 'pod bs-0 of replica 0 is not running' } }),
      },
    });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.names()).toEqual(['markPausing', 'markPauseFailed']);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SourcePodNotFound', message: 'pod bs-0 of replica 0 is not running' }]]);
  });

  it('a failed commit Job cancels the other replica (deleting its Job), records SnapshotFailed and releases nothing', async () => {
    const { sandbox, cluster } = setUp({
      replicas: 2,
      // Replica 0's Job fails; replica 1's keeps running until its workflow is cancelled.
      job: (snapshot) =>
        snapshot.name === pauseSnapshotName(sandbox.name, 0)
          ? { state: 'failed', reason: 'CommitJobFailed', message: 'BackoffLimitExceeded: nerdctl commit failed' }
          : undefined,
    });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual(
      expect.arrayContaining([
        [snapshotOf(sandbox, 0), { reason: 'CommitJobFailed', message: 'BackoffLimitExceeded: nerdctl commit failed' }],
        [snapshotOf(sandbox, 1), { reason: 'Cancelled', message: 'snapshot cancelled' }],
      ]),
    );
    expect(cluster.argsOf('deleteCommitJob')).toEqual([[snapshotOf(sandbox, 1)]]);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SnapshotFailed', message: 'BackoffLimitExceeded: nerdctl commit failed' }]]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
    expect(cluster.has('markPauseCancelled')).toBe(false);
    // The failure is recorded after the cancelled sibling cleaned up.
    expect(cluster.names().at(-1)).toBe('markPauseFailed');
  });

  it('a push refused by the registry reaches PauseFailed with the Job message', async () => {
    const { sandbox, cluster } = setUp({ job: () => FAILED_PUSH });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: `SnapshotFailed: ${FAILED_PUSH.message}` });
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), { reason: 'CommitJobFailed', message: FAILED_PUSH.message }]]);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SnapshotFailed', message: FAILED_PUSH.message }]]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
  });

  it('a commit Job that outlives its deadline is deleted and the pause fails with Timeout', async () => {
    // The workflow gives a Job 30 s beyond its activeDeadlineSeconds: -28 brings that down to 2 s.
    const { sandbox, cluster } = setUp({ jobDeadlineSeconds: -28, job: () => undefined });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.argsOf('deleteCommitJob')).toEqual([[snapshotOf(sandbox)]]);
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), { reason: 'Timeout', message: 'commit job did not finish within 2s' }]]);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'Timeout', message: 'commit job did not finish within 2s' }]]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
  });

  it('a pause that overruns its own deadline cancels its snapshots (Jobs deleted) and fails with Timeout', async () => {
    const { sandbox, cluster } = setUp({ replicas: 2, job: () => undefined });
    const handle = await startPause(sandbox, 3_000);

    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: 'Timeout: pause did not finish within 3s' });
    expect(cluster.argsOf('deleteCommitJob')).toEqual(expect.arrayContaining([[snapshotOf(sandbox, 0)], [snapshotOf(sandbox, 1)]]));
    expect(cluster.argsOf('recordSnapshotFailure').map(([, f]) => f)).toEqual([
      { reason: 'Cancelled', message: 'snapshot cancelled' },
      { reason: 'Cancelled', message: 'snapshot cancelled' },
    ]);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'Timeout', message: 'pause did not finish within 3s' }]]);
    expect(cluster.names().at(-1)).toBe('markPauseFailed');
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
    expect(cluster.has('deleteSnapshots')).toBe(false);
  });

  it('cancelled before the point of no return: Jobs deleted, its snapshots deleted, PauseCancelled', async () => {
    const { sandbox, cluster } = setUp({ replicas: 2, job: () => undefined });
    const handle = await startPause(sandbox);
    await waitFor('both commit Jobs', () => cluster.argsOf('createCommitJob').length === 2);

    await handle.cancel();

    await expect(handle.result()).resolves.toEqual({ outcome: 'cancelled' });
    expect(cluster.argsOf('deleteCommitJob')).toEqual(expect.arrayContaining([[snapshotOf(sandbox, 0)], [snapshotOf(sandbox, 1)]]));
    const names = cluster.names();
    expect(names.slice(-2)).toEqual(['deleteSnapshots', 'markPauseCancelled']);
    expect(names.lastIndexOf('deleteCommitJob')).toBeLessThan(names.indexOf('deleteSnapshots'));
    const [namespace, deleted] = cluster.argsOf('deleteSnapshots')[0]!;
    expect(namespace).toBe(sandbox.namespace);
    expect([...(deleted as string[])].sort()).toEqual([pauseSnapshotName(sandbox.name, 0), pauseSnapshotName(sandbox.name, 1)]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
    expect(cluster.has('markPauseFailed')).toBe(false);
    await expect(handle.query(lifecycleProgressQuery)).resolves.toMatchObject({ outcome: 'cancelled' });
  });

  it('cancelled after the point of no return: the pause finishes', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { sandbox, cluster } = setUp({ overrides: { releaseAndMarkPaused: () => released } });
    const handle = await startPause(sandbox);
    await waitFor('releaseAndMarkPaused', () => cluster.has('releaseAndMarkPaused'));

    await cancelAndWaitUntilSeen(handle);
    release();

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    expect(cluster.names().at(-1)).toBe('releaseAndMarkPaused');
    expect(cluster.has('markPauseCancelled')).toBe(false);
    expect(cluster.has('deleteSnapshots')).toBe(false);
  });

  it('ends quietly when the sandbox is gone, cancelling the snapshot already committing', async () => {
    const { sandbox, cluster } = setUp({
      replicas: 2,
      job: () => undefined,
      overrides: {
        preparePauseSnapshot: async (ref, source) => {
          if (source.index === 0) return { snapshot: snapshotOf(ref, 0), commit: plannedCommit(snapshotOf(ref, 0)) };
          await waitFor('replica 0 committing', () => cluster.has('createCommitJob'));
          throw objectGone(`BatchSandbox ${ref.name}`);
        },
      },
    });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'abandoned', message: `sandbox ${sandbox.name} is gone` });
    expect(cluster.argsOf('deleteCommitJob')).toEqual([[snapshotOf(sandbox, 0)]]);
    expect(cluster.has('markPauseFailed')).toBe(false);
    expect(cluster.has('markPauseCancelled')).toBe(false);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
  });

  it('a snapshot deleted while it commits fails the pause with SnapshotFailed naming it', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        checkCommitJob: async (snapshot) => {
          throw objectGone(`SandboxSnapshot ${snapshot.name}`);
        },
      },
    });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SnapshotFailed', message: `snapshot ${snapshotOf(sandbox).name} is gone` }]]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
  });

  it('a commit Job the apiserver refuses for good fails the pause at once, without retrying the create (issue 13 item 8)', async () => {
    const refusal =
      'jobs.batch "bs-pause-commit" is forbidden: exceeded quota: jobs, requested: count/jobs.batch=1, used: count/jobs.batch=0, limited: count/jobs.batch=0';
    const { sandbox, cluster } = setUp({
      overrides: {
        createCommitJob: async () => {
          throw apiRejected(refusal);
        },
      },
    });
    const handle = await startPause(sandbox);

    const message = `the apiserver refused the commit: ${refusal}`;
    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: `SnapshotFailed: ${message}` });
    expect(cluster.argsOf('createCommitJob')).toHaveLength(1);
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), { reason: 'CommitJobFailed', message }]]);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SnapshotFailed', message }]]);
    expect(cluster.has('releaseAndMarkPaused')).toBe(false);
  });

  it('a snapshot the apiserver refuses for good fails the pause with SnapshotFailed naming the step', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        preparePauseSnapshot: async () => {
          throw apiRejected('admission webhook denied the request: no snapshots here');
        },
      },
    });
    const handle = await startPause(sandbox);

    const message = 'the apiserver refused preparing snapshots: admission webhook denied the request: no snapshots here';
    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: `SnapshotFailed: ${message}` });
    expect(cluster.argsOf('preparePauseSnapshot')).toHaveLength(1);
    expect(cluster.argsOf('markPauseFailed')).toEqual([[sandbox, { reason: 'SnapshotFailed', message }]]);
  });

  it('a status write the apiserver refuses for good ends the pause with a PauseRejected report, not a retry loop', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        markPausing: async () => {
          throw apiRejected('BatchSandbox.sandbox.opensandbox.io "bs" is invalid: status.phase: Unsupported value');
        },
      },
    });
    const handle = await startPause(sandbox);

    await expect(handle.result()).resolves.toEqual({
      outcome: 'failed',
      message: 'the apiserver refused marking pausing: BatchSandbox.sandbox.opensandbox.io "bs" is invalid: status.phase: Unsupported value',
    });
    expect(cluster.names()).toEqual(['markPausing', 'recordRejection']);
    expect(cluster.argsOf('recordRejection')).toEqual([
      [sandbox, 'pause', 'marking pausing', 'BatchSandbox.sandbox.opensandbox.io "bs" is invalid: status.phase: Unsupported value'],
    ]);
  });

  it('is found by sandbox and operation search attributes, and its progress query names the step', async () => {
    const { sandbox, cluster } = setUp({ job: () => undefined });
    const handle = await startPause(sandbox);
    await waitFor('the commit Job', () => cluster.has('createCommitJob'));

    const query = `OpenSandboxSandbox = "${sandbox.name}" AND OpenSandboxOperation = "pause"`;
    const found: string[] = [];
    // Visibility lags behind execution.
    await waitFor(`visibility query ${query}`, async () => {
      found.length = 0;
      for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
      return found.length > 0;
    });
    expect(found).toEqual([pauseWorkflowId(sandbox, GENERATION)]);
    await waitFor(
      'the pause waiting for its Job',
      async () => (await client.workflow.getHandle(found[0]!).query(lifecycleProgressQuery)).step === 'waiting for commit job',
    );
    await expect(handle.query(lifecycleProgressQuery)).resolves.toEqual({
      operation: 'pause',
      step: 'waiting for commit job',
      done: ['marking pausing', 'preparing snapshots', 'committing on the node agent', 'creating commit job'],
    });

    await handle.cancel();
    await expect(handle.result()).resolves.toEqual({ outcome: 'cancelled' });
  });
});

describe('snapshotWorkflow on its own', () => {
  it('commits a snapshot: plan, Job, signal, record', async () => {
    const { sandbox, cluster } = setUp();
    const snapshot = { namespace: sandbox.namespace, name: `osb-snap-${randomUUID().replaceAll('-', '')}`, uid: randomUUID() };
    const handle = await startSnapshot(sandbox, snapshot);

    await expect(handle.result()).resolves.toEqual({ phase: 'Succeed' });
    expect(cluster.names()).toEqual(['planCommit', ...COMMIT_STEPS]);
    // The Job's end arrived as a signal, long before the 30 s backstop.
    expect(cluster.calls.at(-1)!.at - cluster.calls[0]!.at).toBeLessThan(10_000);
    await expect(handle.query(lifecycleProgressQuery)).resolves.toMatchObject({
      operation: 'snapshot',
      done: ['planning commit', 'committing on the node agent', 'creating commit job', 'waiting for commit job', 'checking commit job'],
      outcome: 'succeeded',
    });
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'snapshot-workflow.json');
  });

  it('re-creates a commit Job deleted from outside', async () => {
    const { sandbox, cluster } = setUp({ job: (_, creation) => (creation === 1 ? { state: 'missing' } : { state: 'committed' }) });
    const handle = await startSnapshot(sandbox, snapshotOf(sandbox));

    await expect(handle.result()).resolves.toEqual({ phase: 'Succeed' });
    expect(cluster.names()).toEqual(['planCommit', 'commitOnNodeAgent', 'createCommitJob', 'checkCommitJob', 'createCommitJob', 'checkCommitJob']);
  });

  it('gives up on a Job deleted again and again: CommitJobFailed', async () => {
    const { sandbox, cluster } = setUp({ job: () => ({ state: 'missing' }) });
    const handle = await startSnapshot(sandbox, snapshotOf(sandbox));

    const failure = { reason: 'CommitJobFailed', message: 'commit job deleted (re-created 3 times already)' };
    await expect(handle.result()).resolves.toEqual({ phase: 'Failed', ...failure });
    expect(cluster.argsOf('createCommitJob')).toHaveLength(4);
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), failure]]);
  });

  it('records the failure when the committer left no usable result', async () => {
    const failure = { reason: 'CommitResultInvalid', message: 'commit job bs-pause-commit left no result' };
    const { sandbox, cluster } = setUp({ overrides: { checkCommitJob: async () => ({ state: 'failed', ...failure }) } });
    const handle = await startSnapshot(sandbox, snapshotOf(sandbox));

    await expect(handle.result()).resolves.toEqual({ phase: 'Failed', ...failure });
    expect(cluster.names().slice(-2)).toEqual(['checkCommitJob', 'recordSnapshotFailure']);
    expect(cluster.argsOf('recordSnapshotFailure')).toEqual([[snapshotOf(sandbox), failure]]);
  });

  it('ends Failed, not retried, when the apiserver refuses even the failure record for good', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        createCommitJob: async () => {
          throw apiRejected('jobs are not allowed here');
        },
        recordSnapshotFailure: async () => {
          throw apiRejected('status writes are not allowed here');
        },
      },
    });
    const handle = await startSnapshot(sandbox, snapshotOf(sandbox));

    await expect(handle.result()).resolves.toEqual({
      phase: 'Failed',
      reason: 'CommitJobFailed',
      message: 'the apiserver refused recording failure: status writes are not allowed here',
    });
    expect(cluster.argsOf('createCommitJob')).toHaveLength(1);
    expect(cluster.argsOf('recordSnapshotFailure')).toHaveLength(1);
  });

  it('creates no Job for a snapshot already terminal', async () => {
    const plan = { state: 'terminal', phase: 'Failed', reason: 'RegistryNotConfigured', message: 'snapshot-registry not configured' } as const;
    const { sandbox, cluster } = setUp({ overrides: { planCommit: async () => plan } });
    const handle = await startSnapshot(sandbox, snapshotOf(sandbox));

    await expect(handle.result()).resolves.toEqual({ phase: 'Failed', reason: plan.reason, message: plan.message });
    expect(cluster.names()).toEqual(['planCommit']);
  });
});

describe('resumeWorkflow', () => {
  it('resumes: recreates the pods and is woken by the pod signal, not the backstop', async () => {
    let podsReady = false;
    const { sandbox, cluster } = setUp({
      overrides: { inspectResumedPods: async () => (podsReady ? { state: 'ready' } : { state: 'waiting', ready: 0, missing: 0 }) },
    });
    const handle = await startResume(sandbox);
    await waitFor('the resume waiting for pods', async () => (await handle.query(lifecycleProgressQuery)).step === 'waiting for pods');

    podsReady = true;
    const signalledAt = Date.now();
    await handle.signal(sandboxPodsChangedSignal);

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    expect(cluster.names()).toEqual(['markResuming', 'rewriteTemplate', 'recreatePods', 'inspectResumedPods', 'markResumed']);
    // One look only, and soon: the signal woke it (the first backstop wake-up is 2 s away).
    const markedAt = cluster.calls.at(-1)!.at;
    expect(markedAt - signalledAt).toBeLessThan(1_000);
    expect(cluster.argsOf('rewriteTemplate')).toEqual([[sandbox, [{ index: 0, snapshotName: pauseSnapshotName(sandbox.name, 0), containers: [] }]]]);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'resume-workflow.json');
  });

  it('ends without a trace when markResuming finds the generation no longer asks for a resume', async () => {
    const { sandbox, cluster } = setUp({ overrides: { markResuming: async () => ({ proceed: false, why: 'phase is Succeed' }) } });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'abandoned', message: 'phase is Succeed' });
    expect(cluster.names()).toEqual(['markResuming']);
  });

  it('stays Paused with ResumeFailed when a snapshot is not ready', async () => {
    const blocked = { ok: false, reason: 'SnapshotNotReady', message: 'snapshot not ready: phase=Committing', hasReadyPod: false } as const;
    const { sandbox, cluster } = setUp({ overrides: { markResuming: async () => ({ proceed: true, snapshots: blocked }) } });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.names()).toEqual(['markResuming', 'markResumeFailed']);
    expect(cluster.argsOf('markResumeFailed')).toEqual([[sandbox, { phase: 'Paused', reason: blocked.reason, message: blocked.message }]]);
  });

  it('is resumed at once when no snapshot is left but a pod is Ready', async () => {
    const blocked = { ok: false, reason: 'SnapshotNotFound', message: 'SandboxSnapshot not found', hasReadyPod: true } as const;
    const { sandbox, cluster } = setUp({ overrides: { markResuming: async () => ({ proceed: true, snapshots: blocked }) } });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'succeeded' });
    expect(cluster.names()).toEqual(['markResuming', 'markResumed']);
  });

  it('stays Paused when the template cannot be rewritten', async () => {
    const refused = { ok: false, reason: 'TemplateMissing', message: 'sandbox has no template to resume from' } as const;
    const { sandbox, cluster } = setUp({ overrides: { rewriteTemplate: async () => refused } });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.names()).toEqual(['markResuming', 'rewriteTemplate', 'markResumeFailed']);
    expect(cluster.argsOf('markResumeFailed')).toEqual([[sandbox, { phase: 'Paused', reason: refused.reason, message: refused.message }]]);
  });

  it('fails (phase Failed, PodFailed) when a recreated pod fails', async () => {
    const resumeFailed = { type: 'ResumeFailed', reason: 'ImagePullBackOff', message: '1 pod(s) failing during resume: ImagePullBackOff' } as const;
    const podFailed = { type: 'PodFailed', reason: 'ImagePullBackOff', message: '1 pod(s) failing: ImagePullBackOff' } as const;
    const { sandbox, cluster } = setUp();
    const handle = await startResume(sandbox);
    await waitFor('recreatePods', () => cluster.has('recreatePods'));

    cluster.pods = { state: 'failed', resumeFailed, podFailed };
    await handle.signal(sandboxPodsChangedSignal);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.argsOf('markResumeFailed')).toEqual([[sandbox, { phase: 'Failed', reason: resumeFailed.reason, message: resumeFailed.message, podFailed }]]);
    expect(cluster.has('markResumed')).toBe(false);
  });

  it('fails with Timeout when the pods are not Ready by the deadline (the backstop looks meanwhile)', async () => {
    const { sandbox, cluster } = setUp();
    const handle = await startResume(sandbox, 5_000);

    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: 'Timeout: resume did not finish within 5s' });
    expect(cluster.argsOf('markResumeFailed')).toEqual([[sandbox, { phase: 'Failed', reason: 'Timeout', message: 'resume did not finish within 5s' }]]);
    // No pod signal came: the 2 s backstop looked at the pods.
    expect(cluster.argsOf('inspectResumedPods').length).toBeGreaterThanOrEqual(1);
    expect(cluster.has('markResumed')).toBe(false);
  });

  it('fails (phase Failed, PodCreateRejected) when the apiserver refuses a pod for good, without retrying it (issue 13 item 8)', async () => {
    const refusal = 'pods "bs-0" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=4, limited: pods=4';
    const { sandbox, cluster } = setUp({
      overrides: {
        recreatePods: async () => {
          throw apiRejected(refusal);
        },
      },
    });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toMatchObject({ outcome: 'failed' });
    expect(cluster.names()).toEqual(['markResuming', 'rewriteTemplate', 'recreatePods', 'markResumeFailed']);
    expect(cluster.argsOf('markResumeFailed')).toEqual([
      [sandbox, { phase: 'Failed', reason: 'PodCreateRejected', message: `the apiserver refused a pod: ${refusal}` }],
    ]);
  });

  it('ends with a ResumeRejected report when the apiserver refuses its outcome for good', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        markResumed: async () => {
          throw apiRejected('denied by policy');
        },
      },
    });
    const handle = await startResume(sandbox);
    await waitFor('recreatePods', () => cluster.has('recreatePods'));
    cluster.pods = { state: 'ready' };
    await handle.signal(sandboxPodsChangedSignal);

    await expect(handle.result()).resolves.toEqual({ outcome: 'failed', message: 'the apiserver refused marking resumed: denied by policy' });
    expect(cluster.argsOf('markResumed')).toHaveLength(1);
    expect(cluster.argsOf('recordRejection')).toEqual([[sandbox, 'resume', 'marking resumed', 'denied by policy']]);
  });

  it('ends quietly when the sandbox is gone', async () => {
    const { sandbox, cluster } = setUp({
      overrides: {
        rewriteTemplate: async (ref) => {
          throw objectGone(`BatchSandbox ${ref.name}`);
        },
      },
    });
    const handle = await startResume(sandbox);

    await expect(handle.result()).resolves.toEqual({ outcome: 'abandoned', message: `sandbox ${sandbox.name} is gone` });
    expect(cluster.names()).toEqual(['markResuming', 'rewriteTemplate']);
  });
});
