// What the reconcile loop does with one task after inspecting it (spec §3.3), upstream's rules:
// - being deleted and not finished ⇒ stop it (in the background; one stop at a time per task);
// - timed out ⇒ stop it;
// - being deleted and finished ⇒ forget it (store and memory);
// - otherwise keep the fresh status when it changed, except while a stop is in flight (the stop's outcome
//   is recorded once it is over).
// One addition: a deleted task that never started (Pending: no pid, nothing to stop) is forgotten too;
// upstream would try to stop it on every round forever.
import { isTerminal, sameStatus } from './task-status.js';
import type { TaskStatus } from './task.js';

export interface ReconcileInput {
  deleting: boolean;
  /** A stop of this task is in flight. */
  stopping: boolean;
  recorded: TaskStatus;
  fresh: TaskStatus;
}

export interface ReconcileStep {
  stop?: 'deletion requested' | 'timeout exceeded';
  forget: boolean;
  record: boolean;
}

export function reconcileStep({ deleting, stopping, recorded, fresh }: ReconcileInput): ReconcileStep {
  const neverStarted = fresh.state === 'Pending';
  let stop: ReconcileStep['stop'];
  if (deleting) {
    if (!stopping && !isTerminal(fresh.state) && !neverStarted) stop = 'deletion requested';
  } else if (fresh.state === 'Timeout' && !stopping) {
    stop = 'timeout exceeded';
  }
  const forget = deleting && (isTerminal(fresh.state) || neverStarted);
  const record = !forget && !stopping && stop === undefined && !sameStatus(recorded, fresh);
  return { ...(stop ? { stop } : {}), forget, record };
}
