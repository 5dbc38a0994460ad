// The Warning Events that say a write the apiserver refused for good (invalid, forbidden, over quota)
// was given up on, instead of being retried without end (issue 13 item 8), on the sandbox it was for.
import { sandboxSubject, type PlannedEvent } from '../kube/planned-event.js';

export const REJECTION_EVENT_REASONS = {
  PauseRejected: 'PauseRejected',
  ResumeRejected: 'ResumeRejected',
  TaskUpdateRejected: 'TaskUpdateRejected',
} as const;

/** A pause or resume ended because the apiserver refused its `step` for good. */
export function lifecycleRejectedEvent(
  sandbox: { namespace: string; name: string; uid: string },
  operation: 'pause' | 'resume',
  step: string,
  message: string,
): PlannedEvent {
  return {
    object: sandboxSubject(sandbox),
    type: 'Warning',
    reason: operation === 'pause' ? REJECTION_EVENT_REASONS.PauseRejected : REJECTION_EVENT_REASONS.ResumeRejected,
    message: `The apiserver refused ${step}: ${message}; the ${operation} ended`,
  };
}

/** A write of the tasks workflow the apiserver refused for good: tried again at the sandbox's next change. */
export function taskUpdateRejectedEvent(sandbox: { namespace: string; name: string; uid: string }, step: string, message: string): PlannedEvent {
  return {
    object: sandboxSubject(sandbox),
    type: 'Warning',
    reason: REJECTION_EVENT_REASONS.TaskUpdateRejected,
    message: `The apiserver refused ${step}: ${message}; tried again at the next change or resync`,
  };
}
