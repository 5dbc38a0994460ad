// One round of task dispatch for a BatchSandbox (spec §2.7, ADR 0005): from the tasks it should run, what
// is known of each (its pod, its last reported state, where it is in its release) and what the executors
// just reported, decide the executor calls, the pods to release and the status counters.
//
// Rules, as upstream's scheduler applies them:
// - tasks without a pod take free pods (with an IP, bound to no task) in pod order;
// - a report replaces what is known of a task's process; no report (an error, an empty list, another
//   task's name) keeps the last state, and a task never reported is counted nowhere;
// - a task whose pod is gone (deleted, or released by a pause) is bound again, unless it had finished:
//   the operator's side is at-least-once, as upstream's (the executor ignores a name it already runs);
// - a task is released when the sandbox is deleting, or (policy Release) once it succeeded or failed:
//   `setTasks []` on its executor until the executor reports nothing, then its pod goes to alloc-release;
// - every other task with a pod is (re)sent with `setTasks [task]` each round: the executor ignores a name
//   it already runs.
import type { ExecutorTask } from './task-specs.js';

export type TaskState = 'Running' | 'Succeed' | 'Failed' | 'Unknown';

/** What the executor reported for a task's process (spec §3.2 processStatus), or nothing. */
export interface TaskReport {
  running?: unknown;
  terminated?: { exitCode: number; reason?: string };
}

/** What one pod's executor reported: its (first) task, by name, and that task's process. */
export interface ExecutorReport {
  task: string;
  status: TaskReport;
}

/** What the dispatcher knows of a task between rounds (workflow state). */
export interface TaskRecord {
  pod?: string;
  state?: TaskState;
  release?: 'releasing' | 'released';
}

export interface TaskRoundInput {
  tasks: ExecutorTask[];
  records: Readonly<Record<string, TaskRecord>>;
  /** The sandbox's pods in replica order, with their IP once they have one. */
  pods: readonly { name: string; ip?: string }[];
  /** Per bound pod, its executor's report this round; absent or null: no report. */
  reports: Readonly<Record<string, ExecutorReport | null | undefined>>;
  policy: 'Retain' | 'Release';
  deleting: boolean;
}

/** The five task counters of a BatchSandbox status, in the order upstream lists them. */
export const TASK_COUNTER_FIELDS = ['taskPending', 'taskRunning', 'taskSucceed', 'taskFailed', 'taskUnknown'] as const;

export interface TaskCounters {
  taskPending: number;
  taskRunning: number;
  taskSucceed: number;
  taskFailed: number;
  taskUnknown: number;
}

export interface TaskRoundPlan {
  records: Record<string, TaskRecord>;
  /** `POST /setTasks` per pod: `[task]` to run it, `[]` to stop it. */
  dispatch: { pod: string; tasks: ExecutorTask[] }[];
  /** Pods whose task is released: added to alloc-release. */
  release: string[];
  counters: TaskCounters;
  /** Every task is released (a deleting sandbox may lose its task-cleanup finalizer). */
  allReleased: boolean;
}

export function stateOf(report: TaskReport): TaskState {
  if (report.running !== undefined) return 'Running';
  if (report.terminated !== undefined) return report.terminated.exitCode === 0 ? 'Succeed' : 'Failed';
  return 'Unknown';
}

export function planTaskRound({ tasks, records, pods, reports, policy, deleting }: TaskRoundInput): TaskRoundPlan {
  // Tasks beyond the current replicas (a scale-in) are never removed, as upstream: they keep their pod and
  // are neither sent nor counted any more, and a deleting sandbox stops them like the others.
  const names = new Set(tasks.map((t) => t.name));
  const retired = Object.keys(records).filter((name) => !names.has(name) && records[name]!.pod !== undefined && records[name]!.release !== 'released');
  const next: Record<string, TaskRecord> = Object.fromEntries([...tasks.map((t) => t.name), ...retired].map((name) => [name, { ...records[name] }]));
  const present = new Set(pods.map((p) => p.name));
  const gone: string[] = [];
  for (const record of Object.values(next)) {
    if (record.pod === undefined || present.has(record.pod)) continue;
    if (record.release !== undefined) {
      if (record.release === 'releasing') gone.push(record.pod);
      record.release = 'released';
    } else if (record.state !== 'Succeed' && record.state !== 'Failed') {
      delete record.pod;
      delete record.state;
    }
  }
  const bound = new Set(Object.values(next).flatMap((r) => (r.pod === undefined ? [] : [r.pod])));
  const free = pods.filter((p) => p.ip !== undefined && !bound.has(p.name));
  for (const task of tasks) {
    const record = next[task.name]!;
    if (record.pod === undefined && !deleting && record.release === undefined) record.pod = free.shift()?.name;
  }

  const dispatch: TaskRoundPlan['dispatch'] = [];
  const release: string[] = [...gone];
  const current = new Map(tasks.map((t) => [t.name, t]));
  for (const [name, record] of Object.entries(next)) {
    const task = current.get(name);
    if (record.pod === undefined) {
      if (deleting) record.release = 'released';
      continue;
    }
    if (record.release === 'released') continue;
    const found = reports[record.pod];
    const report = found?.task === name ? found.status : undefined;
    if (report) record.state = stateOf(report);
    const completed = record.state === 'Succeed' || record.state === 'Failed';
    if (record.release === undefined && (deleting || (policy === 'Release' && completed))) record.release = 'releasing';
    if (record.release === 'releasing') {
      if (report) dispatch.push({ pod: record.pod, tasks: [] });
      else {
        record.release = 'released';
        release.push(record.pod);
      }
    } else if (record.release === undefined && !completed && task !== undefined) {
      dispatch.push({ pod: record.pod, tasks: [task] });
    }
  }

  return {
    records: next,
    dispatch,
    release,
    counters: countTasks(tasks.map((t) => next[t.name]!)),
    allReleased: Object.values(next).every((r) => r.release === 'released'),
  };
}

/**
 * The recovery pass of a run that starts without records (a new sandbox, or one just resumed): a task an
 * executor already reports by name is bound to that pod with its reported state, instead of being sent
 * to another pod. Reports of unknown tasks are ignored, never stopped.
 */
export function recoverTaskRecords(tasks: readonly ExecutorTask[], reports: Readonly<Record<string, ExecutorReport | null>>): Record<string, TaskRecord> {
  const names = new Set(tasks.map((t) => t.name));
  const records: Record<string, TaskRecord> = {};
  for (const [pod, report] of Object.entries(reports)) {
    if (report && names.has(report.task) && records[report.task] === undefined) {
      records[report.task] = { pod, state: stateOf(report.status) };
    }
  }
  return records;
}

/** The task counters a status holds (absent ones are zero); none at all without a status. */
export function taskCountersOf(status?: Partial<TaskCounters>): TaskCounters {
  return Object.fromEntries(TASK_COUNTER_FIELDS.map((field) => [field, status?.[field] ?? 0])) as unknown as TaskCounters;
}

/** Same counts, field by field. */
export function sameTaskCounters(a: TaskCounters, b: TaskCounters): boolean {
  return TASK_COUNTER_FIELDS.every((field) => a[field] === b[field]);
}

function countTasks(records: TaskRecord[]): TaskCounters {
  const counters = taskCountersOf();
  for (const record of records) {
    if (record.pod === undefined) {
      if (record.release === undefined) counters.taskPending++;
      continue;
    }
    if (record.state !== undefined) counters[`task${record.state}`]++;
  }
  return counters;
}
