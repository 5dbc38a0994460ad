// Warning Events (and log lines) about a BatchSandbox, each said once: an invalid spec once per version
// of the object, a problem that keeps the sandbox from being served once as it starts (its condition
// carries it meanwhile). Pod events re-run reconciles many times; they must not repeat an Event.
import type { EventRecorder, InvolvedObject } from '../../kernel/events.js';
import type { Logger } from '../../kernel/logger.js';
import type { SandboxProblem } from '../../planners/sandbox/sandbox-problem.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';

export class SandboxWarnings {
  /** Last invalid-object report per key. */
  private readonly reported = new Map<string, string>();
  /** Current problem (reason|message) per key. */
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly events: EventRecorder,
    private readonly log: Logger,
  ) {}

  forget(key: string): void {
    this.reported.delete(key);
    this.problems.delete(key);
  }

  /** Part of the spec is invalid (and skipped): said once per version of the object. */
  invalid(key: string, object: InvolvedObject, reason: string, message: string): void {
    const report = `${object.metadata.resourceVersion}|${reason}|${message}`;
    this.warnUnlessSeen(this.reported, key, report, object, reason, message, 'Skipping invalid BatchSandbox');
  }

  /** The problem the sandbox has now (undefined: none), said as it starts. */
  problem(key: string, object: InvolvedObject, problem: SandboxProblem | undefined): void {
    if (problem === undefined) {
      this.problems.delete(key);
      return;
    }
    const { reason, message } = problem;
    this.warnUnlessSeen(this.problems, key, `${reason}|${message}`, object, reason, message, 'BatchSandbox cannot be served');
  }

  private warnUnlessSeen(
    seen: Map<string, string>,
    key: string,
    report: string,
    object: InvolvedObject,
    reason: string,
    message: string,
    logMessage: string,
  ): void {
    if (seen.get(key) === report) return;
    seen.set(key, report);
    const { namespace, name } = object.metadata;
    this.log.warn({ kind: BATCH_SANDBOX.kind, namespace, name, reason, message }, logMessage);
    this.events.record(object, 'Warning', reason, message);
  }
}
