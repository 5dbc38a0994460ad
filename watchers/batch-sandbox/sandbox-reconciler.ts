// One concern of the BatchSandbox controller. The controller runs its reconcilers in a fixed order on
// every reconcile of a sandbox that is not being deleted; a step answering 'done' ends that reconcile
// (it made this run's write, or the steps after it do not apply to this sandbox).
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { Clock } from '../../kernel/clock.js';
import type { EventRecorder } from '../../kernel/events.js';
import type { Logger } from '../../kernel/logger.js';
import type { SandboxPods } from './sandbox-pods.js';
import type { SandboxWarnings } from './sandbox-warnings.js';
import type { SandboxWrites } from './sandbox-writes.js';

export type StepOutcome = 'continue' | 'done';

export interface SandboxReconciler {
  reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome>;
  /** The sandbox left the cache: forget what is kept about it. */
  forget?(key: string): void;
}

/** What every reconciler may use: the controller's shared writes, warnings, pod views and queue. */
export interface SandboxReconcilerDeps {
  writes: SandboxWrites;
  warnings: SandboxWarnings;
  pods: SandboxPods;
  events: EventRecorder;
  log: Logger;
  clock: Clock;
  /** Reconciles the sandbox again after `ms` (a deadline or a check nothing else would wake). */
  requeueAfter(key: string, ms: number): void;
}
