// Task dispatch end to end (spec §2.7, ADR 0005; upstream e2e 12 and the task cases in meaning): the whole
// operator in-process, its tasks workflows on the real Temporal dev server, kwok playing the kubelet and the
// stack's simulated task-executors playing each pod's executor (stack/simulated-task-executor.ts): the
// operator calls them over HTTP, and they run every task as a real local process.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import { waitUntil } from '../../stack/wait-until.js';
import { tasksWorkflowId } from '../../workflows/tasks-workflow.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { startInProcessPoolOperator } from '../support/in-process-pool-operator.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { executorTasks as stackExecutorTasks } from '../support/stack-task-executors.js';
import { loadUpstreamFixtures } from '../support/upstream-fixtures.js';

const suite = poolOperatorSuite('tasks');
const { ns } = suite;
const WAIT_MS = 60_000;

function fixture<T>(suffix: string): T {
  return structuredClone(loadUpstreamFixtures(ns.namespace).find((f) => f.name.endsWith(suffix))!.object) as T;
}

const life = new LifecycleNamespace(ns);
const waitForSandbox = (name: string, what: string, check: (bs: BatchSandbox) => boolean) => life.waitForSandbox(name, what, check, WAIT_MS);
/** What the simulated executor of `pod` reports, as the operator reads it. */
const executorTasks = (pod: string) => stackExecutorTasks(ns.namespace, pod);

async function warningEvent(name: string, reason: string): Promise<string> {
  let message = '';
  await waitUntil(
    async () => {
      const events = await ns.core.listNamespacedEvent({ namespace: ns.namespace, fieldSelector: `involvedObject.name=${name}` });
      message = events.items.find((e) => e.reason === reason && e.type === 'Warning')?.message ?? '';
      return message !== '';
    },
    { what: `a ${reason} Warning on ${name}`, timeoutMs: 20_000, intervalMs: 200 },
  );
  return message;
}

const allocationOf = (bs: BatchSandbox, annotation: string) => parseAllocationAnnotation(bs.metadata.annotations?.[annotation] ?? '{}').pods;

describe('task dispatch (simulated task-executors run each task as a local process)', () => {
  it('runs a process task on every pooled replica to success, and deleting the sandbox releases the finalizer (upstream e2e 12)', async () => {
    const pool = fixture<Pool>('e2e-testdata/pool-with-task-executor.yaml#0');
    pool.metadata.name = 'executors';
    await ns.createPool(pool);
    await ns.waitForStablePool('executors', (s) => s.available >= 2);
    const allocatedBefore = (await ns.poolStatus('executors'))?.allocated ?? 0;

    const bs = fixture<BatchSandbox>('e2e-testdata/batchsandbox-with-process-task.yaml#0');
    Object.assign(bs.metadata, { name: 'hello-tasks' });
    Object.assign(bs.spec, { poolRef: 'executors', replicas: 2 });
    await ns.createSandbox(bs);
    const pods = await ns.waitForAllocation('hello-tasks', 2);
    const done = await waitForSandbox('hello-tasks', 'taskSucceed = 2', (s) => s.status?.taskSucceed === 2);
    expect(done.status).toMatchObject({ replicas: 2, allocated: 2, ready: 2, taskSucceed: 2, taskFailed: 0, taskRunning: 0, taskPending: 0 });
    expect(JSON.parse(done.metadata.annotations![ANNOTATIONS.endpoints]!)).toHaveLength(2);
    expect(done.metadata.finalizers).toContain(FINALIZERS.taskCleanup);
    // Each pod's executor really ran its own task: `echo` exited 0.
    const reports = await Promise.all(pods.map(executorTasks));
    expect(reports.map((r) => r.map((t) => [t.name, t.processStatus.terminated?.exitCode]))).toEqual([[['hello-tasks-0', 0]], [['hello-tasks-1', 0]]]);

    await ns.deleteSandbox('hello-tasks');
    await ns.waitForSandboxGone('hello-tasks');
    // The pool's status follows the release a round later: it comes back to where it was, not above.
    await ns.waitForPoolStatus('executors', `allocated back to ${allocatedBefore}`, (p) => p.allocated <= allocatedBefore);
  });

  it('merges shardTaskPatches per replica, counts running and failed tasks, and stops a running task before a deleted sandbox goes', async () => {
    const bs = aBatchSandbox('shards', ns.namespace)
      .replicas(2)
      .template()
      .tasks({ spec: { process: { command: ['sleep'], args: ['30'], env: [{ name: 'FOO', value: 'bar' }] } } }, [
        {},
        // Replaces command and args, keeps the base env: exit 3 proves FOO arrived, 4 that it did not.
        { spec: { process: { command: ['sh'], args: ['-c', 'test "$FOO" = bar && exit 3 || exit 4'] } } },
      ])
      .build();
    await ns.createSandbox(bs);
    const counted = await waitForSandbox('shards', 'one task running, one failed', (s) => s.status?.taskRunning === 1 && s.status.taskFailed === 1);
    expect(counted.status).toMatchObject({ taskSucceed: 0, taskPending: 0, taskUnknown: 0, ready: 2, phase: 'Succeed' });
    expect((await executorTasks('shards-1'))[0]?.processStatus.terminated).toMatchObject({ exitCode: 3, reason: 'Failed' });
    expect((await executorTasks('shards-0'))[0]?.processStatus.running).toBeDefined();

    await ns.deleteSandbox('shards');
    // The finalizer holds the sandbox until its executor has stopped the running task.
    await ns.waitForSandboxGone('shards');
    await waitUntil(async () => (await executorTasks('shards-0')).length === 0, { what: 'the running task stopped', timeoutMs: 20_000 });
  });

  it('ends a task at the base template timeoutSeconds (a shard patch cannot lengthen it), counts it failed, and the sandbox is deletable (upstream task e2e 48 through the operator)', async () => {
    const bs = aBatchSandbox('timeout', ns.namespace)
      .template()
      .tasks({ spec: { process: { command: ['sleep', '30'] }, timeoutSeconds: 1 } }, [{ spec: { timeoutSeconds: 60 } }])
      .build();
    await ns.createSandbox(bs);
    const failed = await waitForSandbox('timeout', 'the task failed', (s) => s.status?.taskFailed === 1);
    expect(failed.status).toMatchObject({ taskRunning: 0, taskSucceed: 0 });
    expect((await executorTasks('timeout-0'))[0]?.processStatus.terminated).toMatchObject({ exitCode: 137, reason: 'TaskTimeout' });
    await ns.deleteSandbox('timeout');
    await ns.waitForSandboxGone('timeout');
  });

  it('carries on across an operator restart: the same tasks workflow run counts the same processes to success, none started twice', async () => {
    const bs = aBatchSandbox('restart', ns.namespace)
      .replicas(2)
      .template()
      .tasks({ spec: { process: { command: ['sleep', '6'] } } })
      .build();
    await ns.createSandbox(bs);
    const running = await waitForSandbox('restart', 'both tasks running', (s) => s.status?.taskRunning === 2);
    const startedAt = async () =>
      Promise.all(
        ['restart-0', 'restart-1'].map(async (pod) =>
          (await executorTasks(pod)).map((t) => (t.processStatus.running ?? t.processStatus.terminated)?.startedAt),
        ),
      );
    const before = await startedAt();
    expect(before.flat().filter((t) => t !== undefined)).toHaveLength(2);
    const workflow = tasksWorkflowId({ namespace: ns.namespace, name: 'restart', uid: running.metadata.uid! });
    const { runId } = await suite.operator.client.workflow.getHandle(workflow).describe();

    const { taskQueue } = suite.operator;
    await suite.operator.stop();
    suite.operator = await startInProcessPoolOperator(ns.namespace, { taskQueue, batchSandboxController: true });

    await waitForSandbox('restart', 'both tasks succeeded', (s) => s.status?.taskSucceed === 2);
    expect(await startedAt()).toEqual(before);
    expect((await suite.operator.client.workflow.getHandle(workflow).describe()).runId).toBe(runId);
    await ns.deleteSandbox('restart');
    await ns.waitForSandboxGone('restart');
  });

  it('Release: a finished task is deleted on its executor and its pod goes back to the pool through alloc-release', async () => {
    await ns.createPool(aPool('release', ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 4 }).build());
    await ns.waitForStablePool('release', (s) => s.available >= 1);
    await ns.createSandbox(
      aBatchSandbox('release-bs', ns.namespace)
        .poolRef('release')
        .tasks({ spec: { process: { command: ['true'] } } })
        .taskResourcePolicy('Release')
        .build(),
    );
    const [pod] = await ns.waitForAllocation('release-bs', 1);
    const released = await waitForSandbox('release-bs', 'pod released', (s) => allocationOf(s, ANNOTATIONS.allocReleased).includes(pod!));
    expect(allocationOf(released, ANNOTATIONS.allocRelease)).toEqual([pod]);
    // The status follows in its own write (CI once read the sandbox between the two).
    await waitForSandbox('release-bs', 'status without the released pod', (s) => s.status?.taskSucceed === 1 && s.status.replicas === 0);
    await ns.waitForStablePool('release', (s) => s.allocated === 0);
  });

  it('lets a deleting sandbox with a running task go when its Pool was deleted first (no finalizer strands it)', async () => {
    await ns.createPool(aPool('doomed', ns.namespace).capacity({ bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 2 }).build());
    await ns.waitForStablePool('doomed', (s) => s.available >= 1);
    await ns.createSandbox(
      aBatchSandbox('orphan', ns.namespace)
        .poolRef('doomed')
        .tasks({ spec: { process: { command: ['sleep', '60'] } } })
        .build(),
    );
    await waitForSandbox('orphan', 'its task running', (s) => s.status?.taskRunning === 1);
    await ns.deletePool('doomed');
    await ns.deleteSandbox('orphan');
    await ns.waitForSandboxGone('orphan');
  });

  it('rejects a task template without a command (CRD), and reports a shard patch that empties it as InvalidSpec, dispatching nothing', async () => {
    const noCommand = aBatchSandbox('no-command', ns.namespace)
      .template()
      .tasks({ spec: { process: { args: ['1'] } } } as never)
      .build();
    await expect(ns.createSandbox(noCommand)).rejects.toMatchObject({ code: 422 });

    const emptied = aBatchSandbox('emptied', ns.namespace)
      .template()
      .tasks({ spec: { process: { command: ['sleep', '30'] } } }, [{ spec: { process: { command: [] } } }])
      .build();
    await ns.createSandbox(emptied);
    expect(await warningEvent('emptied', 'InvalidSpec')).toContain('task emptied-0 has no process command');
    await waitForSandbox('emptied', 'ready', (s) => s.status?.ready === 1);
    expect(await executorTasks('emptied-0')).toEqual([]);
    await ns.deleteSandbox('emptied');
    await ns.waitForSandboxGone('emptied');
  });
});
