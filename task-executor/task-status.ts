// What a task's files say about its process (spec §3.4 Inspect), and how the API shows it (§3.4 API status
// mapping). Pure: the runtime gathers the facts (file contents, modification times, whether the pid lives).
import type { ProcessStatus, TaskState, TaskStatus } from './task.js';

/** Exit code reported for a process that died without writing its exit file, and for a timed-out one. */
export const KILLED_EXIT_CODE = 137;

export interface FileFact {
  text: string;
  mtimeMs: number;
}

export interface ProcessFacts {
  /** The `exit` file the shim writes when the command ends. */
  exit?: FileFact;
  /** The `pid` file the executor writes when it starts the shim; `alive`: that process still exists. */
  pid?: FileFact & { alive: boolean };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** An exit file the shim has finished writing: a decimal integer. */
function exitCodeOf(text: string): number | undefined {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * The task's state from its files at `nowMs`:
 * - an exit code ⇒ Succeeded (0) or Failed, started at mtime(pid), finished at mtime(exit);
 * - else a pid that lives ⇒ Running, or Timeout once `timeoutSeconds` have passed since mtime(pid);
 * - a pid that is gone ⇒ Failed, 137, ProcessCrashed (it died without the shim writing its code);
 * - no pid ⇒ Pending.
 * An exit file that is empty or not a number is being written (the shim's `printf > exit` truncates
 * first); upstream reads it as exit 0, here it is not yet an exit code.
 */
export function inspectProcess(facts: ProcessFacts, timeoutSeconds: number | undefined, nowMs: number): TaskStatus {
  const startedAt = facts.pid ? iso(facts.pid.mtimeMs) : undefined;
  const exitCode = facts.exit ? exitCodeOf(facts.exit.text) : undefined;
  if (facts.exit && exitCode !== undefined) {
    return {
      state: exitCode === 0 ? 'Succeeded' : 'Failed',
      exitCode,
      reason: exitCode === 0 ? 'Succeeded' : 'Failed',
      ...(startedAt ? { startedAt } : {}),
      finishedAt: iso(facts.exit.mtimeMs),
    };
  }
  if (facts.pid) {
    if (facts.pid.alive) {
      if (isTimedOut(facts.pid.mtimeMs, timeoutSeconds, nowMs)) {
        return { state: 'Timeout', reason: 'TaskTimeout', message: `Task exceeded timeout of ${timeoutSeconds} seconds`, startedAt: startedAt! };
      }
      return { state: 'Running', startedAt: startedAt! };
    }
    return {
      state: 'Failed',
      exitCode: KILLED_EXIT_CODE,
      reason: 'ProcessCrashed',
      message: 'Process exited without writing exit code',
      startedAt: startedAt!,
      finishedAt: startedAt!,
    };
  }
  return { state: 'Pending', reason: 'Pending' };
}

/** Upstream applies any timeoutSeconds it is given (0 times out at once); none means no timeout. */
export function isTimedOut(startedAtMs: number, timeoutSeconds: number | undefined, nowMs: number): boolean {
  return timeoutSeconds !== undefined && nowMs - startedAtMs > timeoutSeconds * 1000;
}

/** Succeeded, Failed and NotFound never change again. */
export function isTerminal(state: TaskState): boolean {
  return state === 'Succeeded' || state === 'Failed' || state === 'NotFound';
}

/** Counted against the one-active-task limit: Pending or Running, and not being deleted. */
export function isActive(task: { deletionTimestamp?: string; status: TaskStatus }): boolean {
  return task.deletionTimestamp === undefined && (task.status.state === 'Pending' || task.status.state === 'Running');
}

/** metav1.Time's JSON: RFC 3339 in UTC, whole seconds. */
export function apiTime(isoOrMs: string | number): string {
  return new Date(isoOrMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The API's processStatus: Timeout ⇒ terminated 137 with the timeout's reason, finished now; a finish time
 * ⇒ terminated; a start time ⇒ running; else waiting.
 */
export function processStatusOf(status: TaskStatus, nowMs: number): ProcessStatus {
  const detail = { ...(status.reason ? { reason: status.reason } : {}), ...(status.message ? { message: status.message } : {}) };
  const startedAt = status.startedAt ? { startedAt: apiTime(status.startedAt) } : {};
  if (status.state === 'Timeout') {
    return { terminated: { exitCode: KILLED_EXIT_CODE, ...detail, ...startedAt, finishedAt: apiTime(nowMs) } };
  }
  if (status.finishedAt) {
    return { terminated: { exitCode: status.exitCode ?? 0, ...detail, ...startedAt, finishedAt: apiTime(status.finishedAt) } };
  }
  if (status.startedAt) return { running: { startedAt: apiTime(status.startedAt) } };
  return { waiting: detail };
}

/** Whether two inspections differ (a change is persisted). */
export function sameStatus(a: TaskStatus, b: TaskStatus): boolean {
  const keys = ['state', 'exitCode', 'reason', 'message', 'startedAt', 'finishedAt'] as const;
  return keys.every((k) => a[k] === b[k]);
}
