// The tasks workflow on the stack's real Temporal dev server, over faked activities: an in-memory sandbox and
// executors the test drives (binding, polling, recovery, pause, deletion, a vanished sandbox). What the
// activities do to the cluster and the executors is for test/integration/tasks.test.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ObjectRef } from '../../activities/lifecycle-objects.js';
import type { TaskActivities, TaskPod, TaskSandboxView } from '../../activities/task-activities.js';
import type { TemporalConfig } from '../../config/operator-config.js';
import type { ExecutorReport, TaskCounters } from '../../planners/tasks/task-round.js';
import type { ExecutorTask } from '../../planners/tasks/task-specs.js';
import { waitUntil } from '../../stack/wait-until.js';
import { lifecycleSearchAttributes } from '../../workflows/lifecycle-api.js';
import { taskSandboxChangedSignal, tasksProgressQuery, tasksWorkflow, tasksWorkflowId } from '../../workflows/tasks-workflow.js';
import { startFakeActivityWorker, type FakeActivityWorker } from '../support/fake-activity-worker.js';
import { apiRejected } from '../support/fake-lifecycle-activities.js';
import { recordingWorkflowHistories, saveWorkflowHistory } from '../support/workflow-history.js';

type LiveView = Exclude<TaskSandboxView, { gone: true }>;

/** One sandbox and the executors of its pods, in memory. */
class FakeTaskSandbox {
  view: LiveView | undefined;
  readonly executors = new Map<string, ExecutorReport>();
  readonly sent: { pod: string; tasks: string[] }[] = [];
  readonly counters: TaskCounters[] = [];
  released: string[] = [];
  finalizerRemoved = false;
  /** While set, removeTaskFinalizer is refused for good with this message (as the real activity reports it). */
  finalizerRefusal: string | undefined;
  finalizerAttempts = 0;
  /** Rounds that looked at the sandbox. */
  looks = 0;

  constructor(tasks: ExecutorTask[], pods: TaskPod[]) {
    this.view = {
      gone: false,
      deleting: false,
      hasFinalizer: true,
      phase: 'Succeed',
      policy: 'Retain',
      tasks: { ok: true, tasks },
      pods,
      counters: { taskPending: 0, taskRunning: 0, taskSucceed: 0, taskFailed: 0, taskUnknown: 0 },
    };
  }

  finish(pod: string, exitCode: number): void {
    const report = this.executors.get(pod)!;
    report.status = { terminated: { exitCode } };
  }

  readonly activities: TaskActivities = {
    observeTaskSandbox: async () => {
      this.looks++;
      return this.view ? structuredClone(this.view) : { gone: true };
    },
    collectTaskReports: async ({ pods }) => Object.fromEntries(pods.map((pod) => [pod.name, this.executors.get(pod.name) ?? null])),
    dispatchTasks: async ({ calls }) => {
      for (const { name, tasks } of calls) {
        this.sent.push({ pod: name, tasks: tasks.map((t) => t.name) });
        if (tasks.length === 0) this.executors.delete(name);
        else if (!this.executors.has(name)) this.executors.set(name, { task: tasks[0]!.name, status: { running: {} } });
      }
      return { refused: [] };
    },
    releaseTaskPods: async ({ pods }) => {
      this.released.push(...pods);
    },
    writeTaskCounters: async ({ counters }) => {
      this.counters.push(counters);
    },
    removeTaskFinalizer: async () => {
      this.finalizerAttempts++;
      if (this.finalizerRefusal !== undefined) throw apiRejected(this.finalizerRefusal);
      this.finalizerRemoved = true;
      this.view = undefined;
    },
  };
}

const sandboxes = new Map<string, FakeTaskSandbox>();

/** Every activity, routed to the fake of the sandbox's namespace. */
function routed(): TaskActivities {
  const of = (namespace: string) => sandboxes.get(namespace)!.activities;
  return {
    observeTaskSandbox: (ref) => of(ref.namespace).observeTaskSandbox(ref),
    collectTaskReports: (input) => of(input.namespace).collectTaskReports(input),
    dispatchTasks: (input) => of(input.namespace).dispatchTasks(input),
    releaseTaskPods: (input) => of(input.sandbox.namespace).releaseTaskPods(input),
    writeTaskCounters: (input) => of(input.sandbox.namespace).writeTaskCounters(input),
    removeTaskFinalizer: (ref) => of(ref.namespace).removeTaskFinalizer(ref),
  };
}

let runs: FakeActivityWorker;
let temporal: TemporalConfig;
let client: Client;

beforeAll(async () => {
  runs = await startFakeActivityWorker('tasks', routed());
  ({ temporal, client } = runs);
}, 120_000);

afterAll(() => runs?.stop(), 60_000);

const task = (name: string): ExecutorTask => ({ name, process: { command: ['sleep', '60'] } });

async function start(fake: FakeTaskSandbox): Promise<{ sandbox: ObjectRef; handle: WorkflowHandle<typeof tasksWorkflow> }> {
  const suffix = randomUUID().slice(0, 8);
  const sandbox = { namespace: `tasks-${suffix}`, name: 'bs', uid: randomUUID() };
  sandboxes.set(sandbox.namespace, fake);
  const handle = await client.workflow.start(tasksWorkflow, {
    taskQueue: temporal.taskQueue,
    workflowId: tasksWorkflowId(sandbox),
    args: [{ sandbox }],
    typedSearchAttributes: lifecycleSearchAttributes(sandbox.namespace, sandbox.name, 'tasks'),
    workflowExecutionTimeout: '2 minutes',
  });
  runs.track(handle);
  return { sandbox, handle };
}

async function waitFor(what: string, probe: () => boolean): Promise<void> {
  await waitUntil(async () => probe(), { what, timeoutMs: 30_000, intervalMs: 50 });
}

const last = (fake: FakeTaskSandbox) => fake.counters.at(-1);

describe('tasks workflow (faked activities)', () => {
  it('sends tasks to pods as they get an IP, polls their state into the counters, and on deletion stops them, removes the finalizer and ends', async () => {
    const fake = new FakeTaskSandbox([task('bs-0'), task('bs-1')], [{ name: 'p0', ip: '10.0.0.1' }, { name: 'p1' }]);
    const { handle } = await start(fake);
    await waitFor('bs-0 running on p0, bs-1 pending', () => last(fake)?.taskRunning === 1 && last(fake)?.taskPending === 1);
    expect(fake.sent).toContainEqual({ pod: 'p0', tasks: ['bs-0'] });

    fake.view!.pods = [
      { name: 'p0', ip: '10.0.0.1' },
      { name: 'p1', ip: '10.0.0.2' },
    ];
    await handle.signal(taskSandboxChangedSignal);
    await waitFor('both running', () => last(fake)?.taskRunning === 2);
    fake.finish('p0', 0);
    await waitFor('one succeeded', () => last(fake)?.taskSucceed === 1 && last(fake)?.taskRunning === 1);

    fake.view!.deleting = true;
    await handle.signal(taskSandboxChangedSignal);
    await handle.result();
    expect(fake.finalizerRemoved).toBe(true);
    // Both tasks were stopped on their executors before the finalizer went.
    expect(fake.sent).toEqual(
      expect.arrayContaining([
        { pod: 'p0', tasks: [] },
        { pod: 'p1', tasks: [] },
      ]),
    );
    expect(fake.released.sort()).toEqual(['p0', 'p1']);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'tasks-workflow.json');
  });

  it('binds a task an executor already runs to that pod on a fresh start (recovery) instead of sending it elsewhere', async () => {
    const fake = new FakeTaskSandbox(
      [task('bs-0'), task('bs-1')],
      [
        { name: 'p0', ip: '10.0.0.1' },
        { name: 'p1', ip: '10.0.0.2' },
      ],
    );
    fake.executors.set('p1', { task: 'bs-0', status: { running: {} } });
    const { handle } = await start(fake);
    await waitFor('both running', () => last(fake)?.taskRunning === 2);
    expect((await handle.query(tasksProgressQuery)).tasks).toMatchObject({ 'bs-0': { pod: 'p1' }, 'bs-1': { pod: 'p0' } });
    expect(fake.sent.filter((s) => s.tasks.includes('bs-0')).map((s) => s.pod)).not.toContain('p0');
  });

  it('while Paused forgets the bindings and reports no task; after the resume sends the tasks to the restored pods', async () => {
    const fake = new FakeTaskSandbox([task('bs-0')], [{ name: 'pool-a', ip: '10.0.0.1' }]);
    const { handle } = await start(fake);
    await waitFor('running', () => last(fake)?.taskRunning === 1);

    Object.assign(fake.view!, { phase: 'Paused', pods: [] });
    await handle.signal(taskSandboxChangedSignal);
    await waitFor('no task counted', () => last(fake)?.taskRunning === 0 && last(fake)?.taskPending === 0);
    expect((await handle.query(tasksProgressQuery)).tasks).toEqual({});

    Object.assign(fake.view!, { phase: 'Succeed', pods: [{ name: 'bs-0', ip: '10.0.0.9' }] });
    await handle.signal(taskSandboxChangedSignal);
    await waitFor('running on the restored pod', () => last(fake)?.taskRunning === 1);
    expect(fake.sent.at(-1)).toEqual({ pod: 'bs-0', tasks: ['bs-0'] });
  });

  /** Rounds, each recording a ~100 KB observation, until the first run continues as new; that run's end. */
  async function roundsUntilContinuedAsNew(pauseBetweenMs: number) {
    // Every round records its observation; 100 KB of random env makes each one big (random: payloads
    // are stored compressed, kernel/payload-compression.ts, and repeated text would shrink to nothing).
    const big: ExecutorTask = { name: 'bs-0', process: { command: ['sleep', '60'], env: [{ name: 'BIG', value: randomBytes(75 * 1024).toString('base64') }] } };
    const fake = new FakeTaskSandbox([big], [{ name: 'p0', ip: '10.0.0.1' }]);
    const { handle } = await start(fake);
    await waitFor('running', () => last(fake)?.taskRunning === 1);
    const firstRun = client.workflow.getHandle(handle.workflowId, (await handle.describe()).runId);
    for (let round = 0; round < 40 && (await firstRun.describe()).status.name === 'RUNNING'; round++) {
      const looks = fake.looks;
      await handle.signal(taskSandboxChangedSignal);
      await waitFor(`round ${round}`, () => fake.looks > looks);
      await sleep(pauseBetweenMs);
    }
    const ended = await firstRun.describe();
    expect(ended.status.name).toBe('CONTINUED_AS_NEW');
    // The new run carries on: the task is still counted, and changes still reach it.
    fake.finish('p0', 0);
    await handle.signal(taskSandboxChangedSignal);
    await waitFor('succeeded, counted by the new run', () => last(fake)?.taskSucceed === 1);
    return ended;
  }

  it('continues as new in a quiet moment once its history passes 512 KB (issue 13: replays stay short)', async () => {
    const ended = await roundsUntilContinuedAsNew(1_500);
    expect(ended.historySize).toBeLessThan(1024 * 1024);
  });

  it('continues as new at 2 MB of history even when changes never stop', async () => {
    const ended = await roundsUntilContinuedAsNew(0);
    // The bound is checked after each round: at most one round's worth over it.
    expect(ended.historySize).toBeLessThan(2.5 * 1024 * 1024);
  });

  it('does not retry a finalizer removal the apiserver refuses for good; tries again at the next change (issue 13 item 8)', async () => {
    const fake = new FakeTaskSandbox([task('bs-0')], [{ name: 'p0', ip: '10.0.0.1' }]);
    const { handle } = await start(fake);
    await waitFor('running', () => last(fake)?.taskRunning === 1);
    fake.finalizerRefusal = 'denied by policy';
    fake.view!.deleting = true;
    await handle.signal(taskSandboxChangedSignal);

    // A retried local activity would hold the run in its step; refused for good, it waits for a change.
    await waitUntil(async () => fake.finalizerAttempts > 0 && (await handle.query(tasksProgressQuery)).step === 'waiting for changes', {
      what: 'the refused removal given up on',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(fake.finalizerAttempts).toBe(1);
    expect(fake.released).toEqual(['p0']);

    fake.finalizerRefusal = undefined;
    await handle.signal(taskSandboxChangedSignal);
    await handle.result();
    expect(fake.finalizerRemoved).toBe(true);
    expect(fake.finalizerAttempts).toBe(2);
  });

  it('ends when the sandbox is gone', async () => {
    const fake = new FakeTaskSandbox([task('bs-0')], []);
    const { handle } = await start(fake);
    await waitFor('first look', () => fake.counters.length > 0);
    fake.view = undefined;
    await handle.signal(taskSandboxChangedSignal);
    await handle.result();
    expect(fake.sent).toEqual([]);
  });
});
