// The tasks workflow, one per BatchSandbox with a taskTemplate (id `tasks/<ns>/<name>/<uid>`, ADR 0005):
// hands each replica's task to the task-executor in its pod and keeps the sandbox's task counters. The
// BatchSandbox controller starts it (signal-with-start) and signals it when the sandbox, its pods or their
// IPs change. Each round:
//   observe (on a signal, else every 30 s) -> ask the executors -> plan (planTaskRound) ->
//   setTasks -> alloc-release -> counters; a deleting sandbox loses its task-cleanup finalizer once
//   every task is released, and the run ends.
// A write the apiserver refuses for good (API_REJECTED; the activity records a TaskUpdateRejected Event)
// is not retried: the round's outcome stays unwritten and is planned again at the next change or resync.
// Which task runs on which pod lives here, in workflow state: a restarted operator dispatches nothing twice.
import { condition, continueAsNew, defineQuery, defineSignal, log, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { ObjectRef } from '../activities/lifecycle-objects.js';
import type { TaskActivities, TaskPod, TaskSandboxView } from '../activities/task-activities.js';
import {
  planTaskRound,
  recoverTaskRecords,
  sameTaskCounters,
  taskCountersOf,
  type ExecutorReport,
  type TaskCounters,
  type TaskRecord,
} from '../planners/tasks/task-round.js';
import { continueAsNewGate, WAIT_FOR_QUIET_SECOND } from './continue-as-new.js';
import { apiRejectionOf } from './activity-failure.js';
import { BULK_RETRY, QUICK_LOCAL_ACTIVITY } from './activity-options.js';

export const taskSandboxChangedSignal = defineSignal('sandboxChanged');

export interface TasksProgress {
  step: string;
  rounds: number;
  /** Which pod each task is bound to, its last state and where it is in its release. */
  tasks: Record<string, TaskRecord>;
}
export const tasksProgressQuery = defineQuery<TasksProgress>('progress');

export interface TasksWorkflowInput {
  sandbox: ObjectRef;
  /** Carried across continue-as-new; absent, the run recovers them from what the executors report. */
  records?: Record<string, TaskRecord>;
}

export function tasksWorkflowId(sandbox: ObjectRef): string {
  return `tasks/${sandbox.namespace}/${sandbox.name}/${sandbox.uid}`;
}

/** Executors cannot push: a task that may still change is asked about this often (upstream's requeue). */
const POLL_INTERVAL_MS = 3_000;
/** A task being stopped is asked about sooner: the executor drops it within its 500 ms reconcile, and a
 *  deleting sandbox (and its pods) waits on that. */
const RELEASE_POLL_INTERVAL_MS = 1_000;
/** Without a signal, the sandbox itself is looked at again this often (a missed event). */
const RESYNC_INTERVAL_MS = 30_000;
/** Bounds the history; the records carry over. */
const MAX_ROUNDS_PER_RUN = 500;
/** The pause commits the containers (executor frozen); after it the pods are gone until the resume. */
const SUSPENDED_PHASES = new Set(['Pausing', 'Paused', 'Resuming']);

const cluster = proxyLocalActivities<TaskActivities>(QUICK_LOCAL_ACTIVITY);
// One call per pod with a 3 s timeout each, ten at a time: a large sandbox with silent executors takes a
// while, so these run as heartbeating activities.
const executors = proxyActivities<TaskActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: BULK_RETRY,
});

export async function tasksWorkflow(input: TasksWorkflowInput): Promise<void> {
  const { sandbox } = input;
  const { namespace } = sandbox;
  let records: Record<string, TaskRecord> = input.records ?? {};
  const nextRun = continueAsNewGate(WAIT_FOR_QUIET_SECOND);
  let recovered = input.records !== undefined;
  let changed = true;
  let view: Exclude<TaskSandboxView, { gone: true }> | undefined;
  let observedAt = 0;
  let written: TaskCounters | undefined;
  const progress: TasksProgress = { step: 'starting', rounds: 0, tasks: records };

  setHandler(taskSandboxChangedSignal, () => {
    changed = true;
  });
  setHandler(tasksProgressQuery, () => ({ ...progress, tasks: records }));

  for (;;) {
    progress.rounds++;
    /** A write of this round was refused for good: the next round waits for a change or the resync. */
    let refused = false;
    if (changed || view === undefined || Date.now() - observedAt >= RESYNC_INTERVAL_MS) {
      changed = false;
      progress.step = 'observing the sandbox';
      const observed = await cluster.observeTaskSandbox(sandbox);
      if (observed.gone) return;
      view = observed;
      observedAt = Date.now();
      written ??= view.counters;
    }
    // Deleting without the finalizer: nothing waits for the clean-up (it was never added, or removed by hand).
    if (view.deleting && !view.hasFinalizer) return;

    if (!view.deleting && SUSPENDED_PHASES.has(view.phase ?? '')) {
      progress.step = `waiting: the sandbox is ${view.phase}`;
      if (view.phase !== 'Pausing') {
        // The pods are released: the tasks are bound again, and sent again, to the pods of the resume.
        records = {};
        recovered = false;
        await writeCounters(taskCountersOf());
      }
      await condition(() => changed, RESYNC_INTERVAL_MS);
      continue;
    }

    const tasks = view.tasks.ok ? view.tasks.tasks : [];
    const reachable = view.pods.filter((pod): pod is Required<TaskPod> => pod.ip !== undefined);
    let reports: Record<string, ExecutorReport | null>;
    if (!recovered) {
      progress.step = 'recovering tasks the executors already run';
      reports = reachable.length > 0 ? await executors.collectTaskReports({ namespace, pods: reachable }) : {};
      records = recoverTaskRecords(tasks, reports);
      recovered = true;
    } else {
      const bound = new Set(Object.values(records).flatMap((r) => (r.pod !== undefined && r.release !== 'released' ? [r.pod] : [])));
      const asked = reachable.filter((pod) => bound.has(pod.name));
      progress.step = 'collecting task reports';
      reports = asked.length > 0 ? await executors.collectTaskReports({ namespace, pods: asked }) : {};
    }

    const before = records;
    const plan = planTaskRound({ tasks, records, pods: view.pods, reports, policy: view.policy, deleting: view.deleting });
    records = plan.records;
    if (plan.dispatch.length > 0) {
      progress.step = 'sending tasks';
      const ips = new Map(reachable.map((pod) => [pod.name, pod.ip]));
      // A bound pod that lost its IP meanwhile is sent nothing this round.
      const calls = plan.dispatch.flatMap(({ pod, tasks: desired }) => {
        const ip = ips.get(pod);
        return ip === undefined ? [] : [{ name: pod, ip, tasks: desired }];
      });
      await executors.dispatchTasks({ namespace, sandbox: sandbox.name, calls });
    }
    if (plan.release.length > 0) {
      progress.step = 'releasing pods of finished tasks';
      if (!(await unlessRejected(cluster.releaseTaskPods({ sandbox, pods: plan.release })))) {
        // Planned again next round: stopping a task on its executor again is harmless.
        records = before;
        refused = true;
      }
    }
    if (view.deleting) {
      if (plan.allReleased && !refused) {
        progress.step = 'removing the task-cleanup finalizer';
        if (await unlessRejected(cluster.removeTaskFinalizer(sandbox))) return;
        refused = true;
      }
    } else if (view.phase !== undefined) {
      // Before its first status (the controller's, or the pool's delivery) a sandbox gets none from here:
      // a write then would race the delivery's status write on the allocation path.
      refused = !(await writeCounters(plan.counters)) || refused;
    }

    if (await nextRun.now({ roundsDone: progress.rounds >= MAX_ROUNDS_PER_RUN, ready: true, changed: () => changed })) {
      await continueAsNew<typeof tasksWorkflow>({ sandbox, records });
    }
    progress.step = 'waiting for changes';
    // Tasks that may still change are polled; a settled sandbox waits for a signal (or the resync).
    const bound = Object.values(records).filter((r) => r.pod !== undefined && r.release !== 'released');
    const interval = refused
      ? RESYNC_INTERVAL_MS
      : bound.some((r) => r.release === 'releasing')
        ? RELEASE_POLL_INTERVAL_MS
        : bound.some((r) => !finished(r))
          ? POLL_INTERVAL_MS
          : RESYNC_INTERVAL_MS;
    await condition(() => changed, interval);
  }

  /** Writes the counters unless written already; false when the apiserver refused them for good. */
  async function writeCounters(counters: TaskCounters): Promise<boolean> {
    if (written !== undefined && sameTaskCounters(written, counters)) return true;
    progress.step = 'writing task counters';
    if (!(await unlessRejected(cluster.writeTaskCounters({ sandbox, counters })))) return false;
    written = counters;
    return true;
  }

  /** Whether `write` was done; false when the apiserver refused it for good (logged here, an Event by the activity). */
  async function unlessRejected(write: Promise<void>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (err) {
      const rejected = apiRejectionOf(err);
      if (!rejected) throw err;
      log.warn('Task update refused by the apiserver', { kind: 'BatchSandbox', namespace, name: sandbox.name, step: progress.step, reason: rejected.message });
      return false;
    }
  }
}

function finished(record: TaskRecord): boolean {
  return record.state === 'Succeed' || record.state === 'Failed';
}
