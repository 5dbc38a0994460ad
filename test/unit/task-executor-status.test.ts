// A task's state from its files (spec §3.4 Inspect, with the timeout) and the API's processStatus
// (§3.4 mapping): pure, from the facts the runtime gathers.
import { describe, expect, it } from '@jest/globals';
import { apiTime, inspectProcess, isActive, isTerminal, isTimedOut, processStatusOf, sameStatus } from '../../task-executor/task-status.js';

const T0 = Date.parse('2026-06-01T10:00:00.250Z');
const T1 = Date.parse('2026-06-01T10:00:02.900Z');

describe('inspectProcess', () => {
  it('no pid file: Pending', () => {
    expect(inspectProcess({}, undefined, T1)).toEqual({ state: 'Pending', reason: 'Pending' });
  });

  it('a live pid: Running since mtime(pid)', () => {
    expect(inspectProcess({ pid: { text: '42', mtimeMs: T0, alive: true } }, 60, T1)).toEqual({ state: 'Running', startedAt: '2026-06-01T10:00:00.250Z' });
  });

  it('a live pid past timeoutSeconds: Timeout, reason TaskTimeout; at exactly the limit still Running', () => {
    const pid = { text: '42', mtimeMs: T0, alive: true };
    expect(inspectProcess({ pid }, 2, T1)).toMatchObject({ state: 'Timeout', reason: 'TaskTimeout', message: 'Task exceeded timeout of 2 seconds' });
    expect(inspectProcess({ pid }, 2, T0 + 2000).state).toBe('Running');
    expect(inspectProcess({ pid }, undefined, T0 + 10 ** 9).state).toBe('Running');
  });

  it('exit 0: Succeeded, started at mtime(pid), finished at mtime(exit)', () => {
    expect(inspectProcess({ pid: { text: '42', mtimeMs: T0, alive: false }, exit: { text: '0', mtimeMs: T1 } }, 1, T1 + 99_000)).toEqual({
      state: 'Succeeded',
      exitCode: 0,
      reason: 'Succeeded',
      startedAt: '2026-06-01T10:00:00.250Z',
      finishedAt: '2026-06-01T10:00:02.900Z',
    });
  });

  it('a non-zero exit code: Failed with it (an exit file wins over a live pid and over the timeout)', () => {
    expect(inspectProcess({ pid: { text: '42', mtimeMs: T0, alive: true }, exit: { text: '143', mtimeMs: T1 } }, 0, T1)).toMatchObject({
      state: 'Failed',
      exitCode: 143,
      reason: 'Failed',
    });
  });

  it('a dead pid without an exit code: Failed 137 ProcessCrashed, finished when it started', () => {
    expect(inspectProcess({ pid: { text: '42', mtimeMs: T0, alive: false } }, undefined, T1)).toEqual({
      state: 'Failed',
      exitCode: 137,
      reason: 'ProcessCrashed',
      message: 'Process exited without writing exit code',
      startedAt: '2026-06-01T10:00:00.250Z',
      finishedAt: '2026-06-01T10:00:00.250Z',
    });
  });

  it('an exit file being written (empty) is not an exit code yet', () => {
    expect(inspectProcess({ pid: { text: '42', mtimeMs: T0, alive: true }, exit: { text: '', mtimeMs: T1 } }, undefined, T1).state).toBe('Running');
  });
});

describe('isTimedOut', () => {
  it('applies any timeout it is given, 0 included; none never times out', () => {
    expect(isTimedOut(T0, 0, T0 + 1)).toBe(true);
    expect(isTimedOut(T0, 5, T0 + 5000)).toBe(false);
    expect(isTimedOut(T0, 5, T0 + 5001)).toBe(true);
    expect(isTimedOut(T0, undefined, T0 + 10 ** 9)).toBe(false);
  });
});

describe('processStatusOf (the API mapping)', () => {
  it('Timeout: terminated 137 with the reason, finished now', () => {
    expect(processStatusOf({ state: 'Timeout', reason: 'TaskTimeout', message: 'm', startedAt: '2026-06-01T10:00:00.250Z' }, T1)).toEqual({
      terminated: { exitCode: 137, reason: 'TaskTimeout', message: 'm', startedAt: '2026-06-01T10:00:00Z', finishedAt: '2026-06-01T10:00:02Z' },
    });
  });

  it('a finish time: terminated with the exit code; a start time: running; neither: waiting', () => {
    expect(
      processStatusOf({ state: 'Failed', exitCode: 3, reason: 'Failed', startedAt: '2026-06-01T10:00:00.250Z', finishedAt: '2026-06-01T10:00:02.900Z' }, T1),
    ).toEqual({
      terminated: { exitCode: 3, reason: 'Failed', startedAt: '2026-06-01T10:00:00Z', finishedAt: '2026-06-01T10:00:02Z' },
    });
    expect(processStatusOf({ state: 'Running', startedAt: '2026-06-01T10:00:00.250Z' }, T1)).toEqual({ running: { startedAt: '2026-06-01T10:00:00Z' } });
    expect(processStatusOf({ state: 'Pending', reason: 'Pending' }, T1)).toEqual({ waiting: { reason: 'Pending' } });
  });

  it('times are metav1.Time: RFC 3339 UTC, whole seconds', () => {
    expect(apiTime('2026-06-01T10:00:02.999Z')).toBe('2026-06-01T10:00:02Z');
  });
});

describe('task classes', () => {
  it('terminal: Succeeded, Failed, NotFound; active: Pending or Running and not being deleted', () => {
    expect((['Succeeded', 'Failed', 'NotFound', 'Pending', 'Running', 'Timeout', 'Unknown'] as const).filter(isTerminal)).toEqual([
      'Succeeded',
      'Failed',
      'NotFound',
    ]);
    expect(isActive({ status: { state: 'Running' } })).toBe(true);
    expect(isActive({ status: { state: 'Pending' } })).toBe(true);
    expect(isActive({ status: { state: 'Running' }, deletionTimestamp: '2026-06-01T10:00:00Z' })).toBe(false);
    expect(isActive({ status: { state: 'Succeeded' } })).toBe(false);
    expect(isActive({ status: { state: 'Timeout' } })).toBe(false);
  });

  it('sameStatus compares every field', () => {
    expect(sameStatus({ state: 'Running', startedAt: 'a' }, { state: 'Running', startedAt: 'a' })).toBe(true);
    expect(sameStatus({ state: 'Running', startedAt: 'a' }, { state: 'Running', startedAt: 'b' })).toBe(false);
    expect(sameStatus({ state: 'Failed', exitCode: 1 }, { state: 'Failed', exitCode: 2 })).toBe(false);
  });
});
