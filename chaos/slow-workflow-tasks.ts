// Where a pool workflow waited, read from its histories after a chaos run: each workflow task that took
// longer than a bound from first scheduled to completed, with every attempt (which worker took it, on the
// sticky or the normal queue, how it ended), and each activity that took longer than the bound from
// scheduled to closed. A pool stall after a replica kill is one of these; the report says which.
import { Client, Connection } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';

type HistoryEvent = NonNullable<History['events']>[number];
const { EventType, TaskQueueKind, TimeoutType, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;

export interface SlowStep {
  /** Epoch ms at which the step was first scheduled. */
  atMs: number;
  tookMs: number;
  /** `workflow task` or the activity's type. */
  what: string;
  /** Attempts and outcomes, in order. */
  detail: string[];
}

/** The workflow tasks and activities of one run's history that took longer than `boundMs`. */
export function slowStepsOf(events: readonly HistoryEvent[], boundMs: number): SlowStep[] {
  const slow: SlowStep[] = [];
  let task: { atMs: number; detail: string[] } | undefined;
  const activities = new Map<string, { atMs: number; what: string; detail: string[] }>();
  const close = (step: { atMs: number; what: string; detail: string[] }, endMs: number): void => {
    if (endMs - step.atMs > boundMs) slow.push({ atMs: step.atMs, tookMs: endMs - step.atMs, what: step.what, detail: step.detail });
  };
  for (const event of events) {
    const at = epochMsOf(event.eventTime);
    const since = (): string => (task ? `+${at - task.atMs} ms` : '');
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: {
        const attributes = event.workflowTaskScheduledEventAttributes;
        task ??= { atMs: at, detail: [] };
        const queue = attributes?.taskQueue?.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY ? 'sticky' : 'normal';
        task.detail.push(`${since()} scheduled on the ${queue} queue (attempt ${attributes?.attempt ?? 1})`);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        task?.detail.push(`${since()} started by ${event.workflowTaskStartedEventAttributes?.identity ?? '?'}`);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        task?.detail.push(`${since()} timed out (${enumName(TimeoutType, event.workflowTaskTimedOutEventAttributes?.timeoutType, 'TIMEOUT_TYPE_')})`);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        task?.detail.push(
          `${since()} failed (${enumName(WorkflowTaskFailedCause, event.workflowTaskFailedEventAttributes?.cause, 'WORKFLOW_TASK_FAILED_CAUSE_')}: ${event.workflowTaskFailedEventAttributes?.failure?.message ?? ''})`,
        );
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        if (task) close({ ...task, what: 'workflow task' }, at);
        task = undefined;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activities.set(String(event.eventId), { atMs: at, what: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', detail: [] });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const activity = activities.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
        const attributes = event.activityTaskStartedEventAttributes;
        activity?.detail.push(
          `attempt ${attributes?.attempt ?? 1} last started by ${attributes?.identity ?? '?'} at +${activity ? at - activity.atMs : 0} ms${attributes?.lastFailure?.message ? ` after ${attributes.lastFailure.message}` : ''}`,
        );
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
        const scheduledEventId =
          event.activityTaskCompletedEventAttributes?.scheduledEventId ??
          event.activityTaskFailedEventAttributes?.scheduledEventId ??
          event.activityTaskTimedOutEventAttributes?.scheduledEventId;
        const activity = activities.get(String(scheduledEventId));
        if (activity) close(activity, at);
        activities.delete(String(scheduledEventId));
        break;
      }
    }
  }
  return slow;
}

/** The slow steps of every run (continued-as-new ones too) of the given workflows, in time order. */
export async function slowStepsOfWorkflows(
  temporalAddress: string,
  namespace: string,
  workflowIds: readonly string[],
  boundMs: number,
): Promise<(SlowStep & { workflowId: string })[]> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection, namespace });
    const slow: (SlowStep & { workflowId: string })[] = [];
    for (const workflowId of workflowIds) {
      for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
        const { events } = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        slow.push(...slowStepsOf(events ?? [], boundMs).map((step) => ({ ...step, workflowId })));
      }
    }
    return slow.sort((a, b) => a.atMs - b.atMs);
  } finally {
    await connection.close();
  }
}

/** A protobuf Timestamp in epoch ms (its seconds are a Long in a fetched history, a number in a literal one). */
function epochMsOf(time: HistoryEvent['eventTime']): number {
  return Number(String(time?.seconds ?? 0)) * 1000 + Math.floor((time?.nanos ?? 0) / 1_000_000);
}

/** `start-to-close` for TIMEOUT_TYPE_START_TO_CLOSE (a protobuf enum's value, named without its prefix). */
function enumName(values: Record<number, string>, value: number | null | undefined, prefix: string): string {
  return (values[value ?? 0] ?? '?').replace(prefix, '').toLowerCase().replaceAll('_', '-');
}
