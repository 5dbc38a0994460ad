// The BatchSandbox controller's handle on the tasks workflows (ADR 0005): a signal-with-start of
// `tasks/<ns>/<name>/<uid>`, so the first change starts the run and later ones wake it. The signal is a
// nudge, not state: the run observes the sandbox itself when woken.
import type { Client } from '@temporalio/client';
import type { ObjectRef } from '../activities/lifecycle-objects.js';
import type { Logger } from '../kernel/logger.js';
import { lifecycleSearchAttributes } from '../workflows/lifecycle-api.js';
import { taskSandboxChangedSignal, tasksWorkflowId, type tasksWorkflow } from '../workflows/tasks-workflow.js';

/** What the controller needs (tests pass fakes). */
export interface TaskWorkflows {
  /** A sandbox with a taskTemplate, its pods or their IPs changed, or its deletion began. */
  sandboxChanged(sandbox: ObjectRef): Promise<void>;
}

export class TemporalTaskWorkflows implements TaskWorkflows {
  constructor(private readonly opts: { client: Client; taskQueue: string; log: Logger }) {}

  async sandboxChanged(sandbox: ObjectRef): Promise<void> {
    const workflowId = tasksWorkflowId(sandbox);
    await this.opts.client.workflow.signalWithStart<typeof tasksWorkflow, []>('tasksWorkflow', {
      workflowId,
      taskQueue: this.opts.taskQueue,
      args: [{ sandbox }],
      signal: taskSandboxChangedSignal,
      signalArgs: [],
      typedSearchAttributes: lifecycleSearchAttributes(sandbox.namespace, sandbox.name, 'tasks'),
    });
    this.opts.log.debug({ kind: 'BatchSandbox', namespace: sandbox.namespace, name: sandbox.name, workflowId }, 'Signalled the tasks workflow');
  }
}
