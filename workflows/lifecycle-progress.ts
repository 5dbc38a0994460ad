// The `progress` query of a pause, resume or snapshot run: the step running now, the steps done, and the
// outcome once it ended. The Temporal UI and `temporal workflow query --name progress` show it.
import { log, setHandler } from '@temporalio/workflow';
import { lifecycleProgressQuery, type LifecycleOperation, type LifecycleProgress, type LifecycleResult } from './lifecycle-api.js';

const STARTING = 'starting';

export interface ProgressTracker {
  /** `name` is the step running now; the previous one is done. */
  step(name: string): void;
  /** The step running now. */
  current(): string;
  /** Records (and logs) the outcome and returns it as the run's result. */
  end(outcome: LifecycleResult['outcome'], message?: string): LifecycleResult;
}

/** `subject`: the log keys of the object the run acts for (kind, namespace, name). */
export function trackProgress(operation: LifecycleOperation, subject: Record<string, string>): ProgressTracker {
  const progress: LifecycleProgress = { operation, step: STARTING, done: [] };
  setHandler(lifecycleProgressQuery, () => ({ ...progress, done: [...progress.done] }));
  const finish = (): void => {
    // Waiting and inspecting alternate while a Job or pods are awaited: each step is listed once.
    if (progress.step !== STARTING && !progress.done.includes(progress.step)) progress.done.push(progress.step);
  };
  log.info(`${operation} started`, subject);
  return {
    step(name) {
      finish();
      progress.step = name;
    },
    current: () => progress.step,
    end(outcome, message) {
      finish();
      progress.step = 'ended';
      progress.outcome = outcome;
      progress.message = message;
      const fields = { ...subject, outcome, ...(message === undefined ? {} : { message }) };
      if (outcome === 'failed') log.warn(`${operation} failed`, fields);
      else log.info(`${operation} ended`, fields);
      return message === undefined ? { outcome } : { outcome, message };
    },
  };
}
