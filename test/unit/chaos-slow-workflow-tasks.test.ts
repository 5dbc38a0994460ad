// The chaos run's account of slow pool workflow tasks and activities, read from a history in the JSON
// form `temporal workflow show --output json` prints.
import { describe, expect, it } from '@jest/globals';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { slowStepsOf } from '../../chaos/slow-workflow-tasks.js';

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
let nextId = 1;
const event = (ms: number, eventType: string, attributes: Record<string, unknown> = {}) => ({
  eventId: String(nextId++),
  eventTime: new Date(T0 + ms).toISOString(),
  eventType: `EVENT_TYPE_${eventType}`,
  ...attributes,
});
const eventsOf = (events: ReturnType<typeof event>[]) => historyFromJSON({ events }).events ?? [];

describe('slowStepsOf', () => {
  it('reports a workflow task that timed out on a killed worker and was retried on the normal queue, with each attempt', () => {
    const steps = slowStepsOf(
      eventsOf([
        event(0, 'WORKFLOW_TASK_SCHEDULED', { workflowTaskScheduledEventAttributes: { taskQueue: { kind: 'TASK_QUEUE_KIND_STICKY' }, attempt: 1 } }),
        event(10, 'WORKFLOW_TASK_STARTED', { workflowTaskStartedEventAttributes: { identity: 'operator-0' } }),
        event(5_010, 'WORKFLOW_TASK_TIMED_OUT', { workflowTaskTimedOutEventAttributes: { timeoutType: 'TIMEOUT_TYPE_START_TO_CLOSE' } }),
        event(5_020, 'WORKFLOW_TASK_SCHEDULED', { workflowTaskScheduledEventAttributes: { taskQueue: { kind: 'TASK_QUEUE_KIND_NORMAL' }, attempt: 2 } }),
        event(5_030, 'WORKFLOW_TASK_STARTED', { workflowTaskStartedEventAttributes: { identity: 'operator-1' } }),
        event(5_400, 'WORKFLOW_TASK_COMPLETED', { workflowTaskCompletedEventAttributes: { identity: 'operator-1' } }),
        // A quick task is not reported.
        event(6_000, 'WORKFLOW_TASK_SCHEDULED', { workflowTaskScheduledEventAttributes: { taskQueue: { kind: 'TASK_QUEUE_KIND_STICKY' }, attempt: 1 } }),
        event(6_005, 'WORKFLOW_TASK_STARTED', { workflowTaskStartedEventAttributes: { identity: 'operator-1' } }),
        event(6_050, 'WORKFLOW_TASK_COMPLETED', { workflowTaskCompletedEventAttributes: { identity: 'operator-1' } }),
      ]),
      3_000,
    );
    expect(steps).toEqual([
      {
        atMs: T0,
        tookMs: 5_400,
        what: 'workflow task',
        detail: [
          '+0 ms scheduled on the sticky queue (attempt 1)',
          '+10 ms started by operator-0',
          '+5010 ms timed out (start-to-close)',
          '+5020 ms scheduled on the normal queue (attempt 2)',
          '+5030 ms started by operator-1',
        ],
      },
    ]);
  });

  it('reports an activity that closed late, with the worker of its last attempt', () => {
    const first = nextId;
    const steps = slowStepsOf(
      eventsOf([
        event(0, 'ACTIVITY_TASK_SCHEDULED', { activityTaskScheduledEventAttributes: { activityType: { name: 'createPoolPods' } } }),
        event(6_500, 'ACTIVITY_TASK_STARTED', {
          activityTaskStartedEventAttributes: {
            scheduledEventId: String(first),
            attempt: 2,
            identity: 'operator-1',
            lastFailure: { message: 'activity Heartbeat timeout' },
          },
        }),
        event(6_900, 'ACTIVITY_TASK_COMPLETED', { activityTaskCompletedEventAttributes: { scheduledEventId: String(first) } }),
        event(7_000, 'ACTIVITY_TASK_SCHEDULED', { activityTaskScheduledEventAttributes: { activityType: { name: 'writePoolStatus' } } }),
        event(7_010, 'ACTIVITY_TASK_STARTED', {
          activityTaskStartedEventAttributes: { scheduledEventId: String(first + 3), attempt: 1, identity: 'operator-1' },
        }),
        event(7_100, 'ACTIVITY_TASK_COMPLETED', { activityTaskCompletedEventAttributes: { scheduledEventId: String(first + 3) } }),
      ]),
      3_000,
    );
    expect(steps).toEqual([
      { atMs: T0, tookMs: 6_900, what: 'createPoolPods', detail: ['attempt 2 last started by operator-1 at +6500 ms after activity Heartbeat timeout'] },
    ]);
  });
});
