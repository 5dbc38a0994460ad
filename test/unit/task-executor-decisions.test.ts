// The executor manager's decisions (spec §3.3), pure: the setTasks diff, the one-active-task admission,
// what the reconcile loop does with an inspected task, and which persisted tasks recovery drops.
import { describe, expect, it } from '@jest/globals';
import { refusalToCreate } from '../../task-executor/admission.js';
import { reconcileStep } from '../../task-executor/reconcile-step.js';
import { dropOnRecovery } from '../../task-executor/recovery-decision.js';
import { planSync } from '../../task-executor/sync-plan.js';
import type { StoredTask, TaskInput, TaskState } from '../../task-executor/task.js';

const input = (name: string, command = ['true']): TaskInput => ({ name, process: { command } as TaskInput['process'] }) as TaskInput;
const held = (name: string, state: TaskState, deleting = false): StoredTask => ({
  name,
  status: { state },
  ...(deleting ? { deletionTimestamp: '2026-06-01T10:00:00Z' } : {}),
});
const DELETED = '2026-06-01T10:00:00Z';

describe('planSync', () => {
  it('soft deletes held tasks not desired, creates desired tasks not held, leaves the rest (a changed spec included)', () => {
    const plan = planSync([held('a', 'Running'), held('b', 'Succeeded')], [input('b', ['other']), input('c')]);
    expect(plan.softDelete).toEqual(['a']);
    expect(plan.create.map((t) => t.name)).toEqual(['c']);
  });

  it('an empty desired set deletes everything not already being deleted; nameless entries are ignored', () => {
    expect(planSync([held('a', 'Running'), { ...held('b', 'Running'), deletionTimestamp: DELETED }], [input('')])).toEqual({ softDelete: ['a'], create: [] });
  });

  it('a name repeated in the desired set is created once, from its last entry', () => {
    const plan = planSync([], [input('x', ['first']), input('x', ['last'])]);
    expect(plan.create).toHaveLength(1);
    expect(plan.create[0]!.process!.command).toEqual(['last']);
  });

  it('a desired name already held but being deleted is neither recreated nor undeleted', () => {
    expect(planSync([{ ...held('a', 'Running'), deletionTimestamp: DELETED }], [input('a')])).toEqual({ softDelete: [], create: [] });
  });
});

describe('refusalToCreate', () => {
  it('refuses a name that exists', () => {
    expect(refusalToCreate([held('a', 'Succeeded')], 'a')).toBe('task a already exists');
  });

  it('refuses a second active task (Pending or Running, not deleting)', () => {
    expect(refusalToCreate([held('a', 'Running')], 'b')).toMatch(/maximum concurrent tasks \(1\) reached/);
    expect(refusalToCreate([held('a', 'Pending')], 'b')).toMatch(/maximum concurrent tasks/);
  });

  it('lets a task in next to finished, timed-out or deleting ones', () => {
    expect(refusalToCreate([held('a', 'Succeeded'), held('b', 'Failed'), held('c', 'Running', true), held('d', 'Timeout')], 'e')).toBeUndefined();
  });
});

describe('reconcileStep', () => {
  const running = { state: 'Running', startedAt: 's' } as const;
  const done = { state: 'Succeeded', exitCode: 0, startedAt: 's', finishedAt: 'f' } as const;

  it('records a changed status; nothing for an unchanged one', () => {
    expect(reconcileStep({ deleting: false, stopping: false, recorded: running, fresh: done })).toEqual({ forget: false, record: true });
    expect(reconcileStep({ deleting: false, stopping: false, recorded: running, fresh: running })).toEqual({ forget: false, record: false });
  });

  it('a deleted running task is stopped (once: not while a stop is in flight), and its status not recorded meanwhile', () => {
    expect(reconcileStep({ deleting: true, stopping: false, recorded: running, fresh: running })).toEqual({
      stop: 'deletion requested',
      forget: false,
      record: false,
    });
    expect(reconcileStep({ deleting: true, stopping: true, recorded: running, fresh: done })).toEqual({ forget: true, record: false });
    expect(reconcileStep({ deleting: true, stopping: true, recorded: running, fresh: { state: 'Timeout', startedAt: 's' } })).toEqual({
      forget: false,
      record: false,
    });
  });

  it('a deleted finished task is forgotten', () => {
    expect(reconcileStep({ deleting: true, stopping: false, recorded: done, fresh: done })).toEqual({ forget: true, record: false });
    expect(reconcileStep({ deleting: true, stopping: false, recorded: running, fresh: { state: 'Failed', exitCode: 143, finishedAt: 'f' } })).toMatchObject({
      forget: true,
    });
  });

  it('a deleted task that never started (Pending) is forgotten without a stop', () => {
    expect(reconcileStep({ deleting: true, stopping: false, recorded: { state: 'Pending' }, fresh: { state: 'Pending', reason: 'Pending' } })).toEqual({
      forget: true,
      record: false,
    });
  });

  it('a timed-out task is stopped, once, and the Timeout is not recorded while the stop runs; its exit is, after', () => {
    const timeout = { state: 'Timeout', reason: 'TaskTimeout', startedAt: 's' } as const;
    expect(reconcileStep({ deleting: false, stopping: false, recorded: running, fresh: timeout })).toEqual({
      stop: 'timeout exceeded',
      forget: false,
      record: false,
    });
    expect(reconcileStep({ deleting: false, stopping: true, recorded: running, fresh: timeout })).toEqual({ forget: false, record: false });
    const killed = { state: 'Failed', exitCode: 143, reason: 'Failed', startedAt: 's', finishedAt: 'f' } as const;
    expect(reconcileStep({ deleting: false, stopping: false, recorded: running, fresh: killed })).toEqual({ forget: false, record: true });
  });
});

describe('dropOnRecovery', () => {
  it('drops a task that was Pending or Running, is not deleting, and is now Pending, Failed or NotFound (its process went with the container)', () => {
    for (const persisted of ['Pending', 'Running'] as const) {
      for (const fresh of ['Pending', 'Failed', 'NotFound'] as const) expect(dropOnRecovery(persisted, false, fresh)).toBe(true);
    }
  });

  it('keeps a task that still runs or finished well, one that had already finished, and one being deleted', () => {
    expect(dropOnRecovery('Running', false, 'Running')).toBe(false);
    expect(dropOnRecovery('Running', false, 'Succeeded')).toBe(false);
    expect(dropOnRecovery('Running', false, 'Timeout')).toBe(false);
    expect(dropOnRecovery('Failed', false, 'Failed')).toBe(false);
    expect(dropOnRecovery('Succeeded', false, 'Succeeded')).toBe(false);
    expect(dropOnRecovery('Running', true, 'Failed')).toBe(false);
  });
});
