// planTaskRound: binding tasks to pods, dispatching, reading reports, releasing (Retain / Release /
// deletion) and the counters, round after round as the dispatcher would run them.
import { describe, expect, it } from '@jest/globals';
import { planTaskRound, recoverTaskRecords, type TaskRecord, type TaskReport, type TaskRoundInput } from '../../planners/tasks/task-round.js';
import type { ExecutorTask } from '../../planners/tasks/task-specs.js';

const task = (i: number): ExecutorTask => ({ name: `bs-${i}`, process: { command: ['echo', `hello ${i}`] } });
const running: TaskReport = { running: { startedAt: '2026-01-01T00:00:00Z' } };
const succeeded: TaskReport = { terminated: { exitCode: 0, reason: 'Succeeded' } };
const failed: TaskReport = { terminated: { exitCode: 1, reason: 'Failed' } };
/** What the executor of a pod bound to task `bs-<i>` reports. */
const of = (i: number, status: TaskReport) => ({ task: `bs-${i}`, status });

function round(input: Partial<TaskRoundInput>) {
  return planTaskRound({ tasks: [task(0), task(1)], records: {}, pods: [], reports: {}, policy: 'Retain', deleting: false, ...input });
}

describe('planTaskRound', () => {
  it('binds tasks to pods with an IP in pod order and sends each its task; the rest are pending', () => {
    const plan = round({ pods: [{ name: 'p-a' }, { name: 'p-b', ip: '10.0.0.2' }] });
    expect(plan.records).toEqual({ 'bs-0': { pod: 'p-b' }, 'bs-1': {} });
    expect(plan.dispatch).toEqual([{ pod: 'p-b', tasks: [task(0)] }]);
    // A task sent but never reported is counted nowhere.
    expect(plan.counters).toEqual({ taskPending: 1, taskRunning: 0, taskSucceed: 0, taskFailed: 0, taskUnknown: 0 });
  });

  it('counts tasks by their reported state, keeps the last state when a pod does not answer, and re-sends running tasks', () => {
    const records: Record<string, TaskRecord> = { 'bs-0': { pod: 'p-0', state: 'Running' }, 'bs-1': { pod: 'p-1' } };
    const pods = [
      { name: 'p-0', ip: '10.0.0.1' },
      { name: 'p-1', ip: '10.0.0.2' },
    ];
    const plan = round({ records, pods, reports: { 'p-0': null, 'p-1': of(1, running) } });
    expect(plan.counters).toMatchObject({ taskRunning: 2, taskPending: 0 });
    expect(plan.dispatch.map((d) => d.pod)).toEqual(['p-0', 'p-1']);

    const done = round({ records: plan.records, pods, reports: { 'p-0': of(0, succeeded), 'p-1': of(1, failed) } });
    expect(done.counters).toMatchObject({ taskRunning: 0, taskSucceed: 1, taskFailed: 1 });
    // Retain: finished tasks keep their pods, and nothing is sent any more.
    expect(done.dispatch).toEqual([]);
    expect(done.release).toEqual([]);
  });

  it('Release: a finished task is stopped on its executor, then its pod released once the executor reports nothing', () => {
    const pods = [{ name: 'p-0', ip: '10.0.0.1' }];
    const first = planTaskRound({
      tasks: [task(0)],
      records: { 'bs-0': { pod: 'p-0' } },
      pods,
      reports: { 'p-0': of(0, succeeded) },
      policy: 'Release',
      deleting: false,
    });
    expect(first.dispatch).toEqual([{ pod: 'p-0', tasks: [] }]);
    expect(first.records['bs-0']).toEqual({ pod: 'p-0', state: 'Succeed', release: 'releasing' });
    expect(first.release).toEqual([]);

    const second = planTaskRound({ tasks: [task(0)], records: first.records, pods, reports: {}, policy: 'Release', deleting: false });
    expect(second.release).toEqual(['p-0']);
    expect(second.dispatch).toEqual([]);
    expect(second.allReleased).toBe(true);
    // The released task is still counted by its last state.
    expect(second.counters).toMatchObject({ taskSucceed: 1 });
  });

  it('deletion releases every task: unbound ones at once, bound ones after their executor stopped them', () => {
    const records: Record<string, TaskRecord> = { 'bs-0': { pod: 'p-0', state: 'Running' } };
    const pods = [
      { name: 'p-0', ip: '10.0.0.1' },
      { name: 'p-1', ip: '10.0.0.2' },
    ];
    const first = round({ records, pods, reports: { 'p-0': of(0, running) }, deleting: true });
    // A deleting sandbox binds no new pod.
    expect(first.records['bs-1']).toEqual({ release: 'released' });
    expect(first.dispatch).toEqual([{ pod: 'p-0', tasks: [] }]);
    expect(first.allReleased).toBe(false);

    const second = round({ records: first.records, pods, reports: { 'p-0': null }, deleting: true });
    expect(second.release).toEqual(['p-0']);
    expect(second.allReleased).toBe(true);
  });

  it("ignores a report naming another task: the task's last state stands", () => {
    const records: Record<string, TaskRecord> = { 'bs-0': { pod: 'p-0', state: 'Running' } };
    const plan = round({ records, pods: [{ name: 'p-0', ip: '10.0.0.1' }], reports: { 'p-0': of(7, failed) } });
    expect(plan.records['bs-0']).toEqual({ pod: 'p-0', state: 'Running' });
    expect(plan.dispatch).toEqual([{ pod: 'p-0', tasks: [task(0)] }]);
  });

  it('binds a running task whose pod is gone to another pod; a finished one keeps its result; a releasing one is released', () => {
    const records: Record<string, TaskRecord> = {
      'bs-0': { pod: 'gone-0', state: 'Running' },
      'bs-1': { pod: 'gone-1', state: 'Succeed' },
    };
    const plan = round({ records, pods: [{ name: 'p-new', ip: '10.0.0.3' }] });
    expect(plan.records).toEqual({ 'bs-0': { pod: 'p-new' }, 'bs-1': { pod: 'gone-1', state: 'Succeed' } });
    expect(plan.dispatch).toEqual([{ pod: 'p-new', tasks: [task(0)] }]);
    expect(plan.counters).toMatchObject({ taskRunning: 0, taskSucceed: 1, taskPending: 0 });

    const releasing = planTaskRound({
      tasks: [task(0)],
      records: { 'bs-0': { pod: 'gone-0', state: 'Failed', release: 'releasing' } },
      pods: [],
      reports: {},
      policy: 'Release',
      deleting: false,
    });
    expect(releasing.records['bs-0']!.release).toBe('released');
    expect(releasing.release).toEqual(['gone-0']);
  });

  it('recovery binds tasks the executors already report, by name, and ignores unknown names', () => {
    const records = recoverTaskRecords([task(0), task(1)], { 'p-0': null, 'p-1': of(0, running), 'p-2': { task: 'other', status: running } });
    expect(records).toEqual({ 'bs-0': { pod: 'p-1', state: 'Running' } });
    const plan = round({
      records,
      pods: [
        { name: 'p-0', ip: '10.0.0.1' },
        { name: 'p-1', ip: '10.0.0.2' },
      ],
    });
    // The recovered task is not sent to another pod; the other task takes the free pod.
    expect(plan.records).toEqual({ 'bs-0': { pod: 'p-1', state: 'Running' }, 'bs-1': { pod: 'p-0' } });
  });

  it('keeps a task beyond a scale-in on its pod, unsent and uncounted, and stops it when the sandbox is deleted', () => {
    const records: Record<string, TaskRecord> = { 'bs-0': { pod: 'p-0', state: 'Running' }, 'bs-1': { pod: 'p-1', state: 'Running' } };
    const pods = [
      { name: 'p-0', ip: '10.0.0.1' },
      { name: 'p-1', ip: '10.0.0.2' },
    ];
    const scaledIn = planTaskRound({ tasks: [task(0)], records, pods, reports: {}, policy: 'Retain', deleting: false });
    expect(scaledIn.records['bs-1']).toEqual({ pod: 'p-1', state: 'Running' });
    expect(scaledIn.dispatch).toEqual([{ pod: 'p-0', tasks: [task(0)] }]);
    expect(scaledIn.counters).toMatchObject({ taskRunning: 1 });

    const deleting = planTaskRound({
      tasks: [task(0)],
      records: scaledIn.records,
      pods,
      reports: { 'p-0': of(0, running), 'p-1': of(1, running) },
      policy: 'Retain',
      deleting: true,
    });
    expect(deleting.dispatch).toEqual([
      { pod: 'p-0', tasks: [] },
      { pod: 'p-1', tasks: [] },
    ]);
    expect(deleting.allReleased).toBe(false);
    const done = planTaskRound({ tasks: [task(0)], records: deleting.records, pods, reports: {}, policy: 'Retain', deleting: true });
    expect(done.release).toEqual(['p-0', 'p-1']);
    expect(done.allReleased).toBe(true);
  });
});
