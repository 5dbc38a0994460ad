// When an entity workflow (one per Pool, one per sandbox with tasks) continues as new. It must happen in a
// quiet moment: a signal that lands while the continue-as-new task completes makes the server reject it
// (UnhandledCommand) and refuse signals as "closing" until a retried task gets through, which stalled pool
// deliveries for 2-5 s. The hard bounds end an endless busy spell.
//
// History is bounded by size too, not only by events: a replica that takes a workflow over after another
// died replays its whole history within one workflow task, and multi-megabyte pool histories took longer
// than the task timeout to replay, so they were thrown away again and again and delivery stalled for
// minutes (issue 13).
import { condition, patched, workflowInfo } from '@temporalio/workflow';

/** How long no change may arrive before a due continue-as-new is made. */
const QUIET_BEFORE_CONTINUE_MS = 1_000;
/** History events after which the run continues as new even while busy (the server's limit is 50K). */
const HISTORY_HARD_BOUND = 20_000;
/**
 * History bytes after which the run continues as new in its next quiet moment: a replica taking over
 * replays up to this much in one task (512 KiB took 4.4 s in a freshly restarted replica under chaos).
 * Runs started before the change keep the old bound (patch `history-soft-bound-256k`): replaying them
 * with the new one would decide differently than they did.
 */
const HISTORY_SOFT_BYTES = 256 * 1024;
const HISTORY_SOFT_BYTES_BEFORE = 512 * 1024;
/** History bytes after which it continues as new even while busy. */
const HISTORY_HARD_BYTES = 2 * 1024 * 1024;

export interface ContinueAsNewCheck {
  /** The run has done the rounds it may (its own bound on history). */
  roundsDone: boolean;
  /** Nothing holds it back now (e.g. no upkeep in flight). */
  ready: boolean;
  /** Whether a change arrived: waiting for quiet ends when one does. */
  changed: () => boolean;
}

/** True when the run should continue as new now; may wait up to QUIET_BEFORE_CONTINUE_MS for quiet. */
export async function continueAsNewNow({ roundsDone, ready, changed }: ContinueAsNewCheck): Promise<boolean> {
  const { continueAsNewSuggested, historyLength, historySize } = workflowInfo();
  if (historyLength >= HISTORY_HARD_BOUND || historySize >= HISTORY_HARD_BYTES) return true;
  const softBytes = patched('history-soft-bound-256k') ? HISTORY_SOFT_BYTES : HISTORY_SOFT_BYTES_BEFORE;
  const due = roundsDone || continueAsNewSuggested || historySize >= softBytes;
  return due && ready && !(await condition(changed, QUIET_BEFORE_CONTINUE_MS));
}
