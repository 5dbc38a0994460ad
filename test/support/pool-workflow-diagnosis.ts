// What a timed-out pool wait adds to its message: the pool workflow's own account of where it is, so a
// failure seen once on CI says whether the run was stuck in a step, retrying a task or simply idle.
import type { Client } from '@temporalio/client';
import { poolWorkflowId, progressQuery } from '../../workflows/pool-workflow.js';
import { withTimeout } from './operator-process.js';

/** A bounded query: a run whose workflow tasks keep failing never answers one. */
const QUERY_TIMEOUT_MS = 5_000;
const RECENT_EVENTS = 12;

type Json = Record<string, unknown>;
/** The protobuf messages' own JSON form, which names enum values (states, event types). */
const asJson = (message: unknown): Json => JSON.parse(JSON.stringify(message ?? null)) ?? {};

export async function describePoolWorkflow(client: Client, namespace: string, pool: string): Promise<string> {
  const handle = client.workflow.getHandle(poolWorkflowId(namespace, pool));
  const [description, progress, history] = await Promise.all([
    handle.describe().then(
      (d) => ({
        status: d.status.name,
        historyLength: d.historyLength,
        pendingWorkflowTask: d.raw.pendingWorkflowTask && { state: asJson(d.raw.pendingWorkflowTask).state, attempt: d.raw.pendingWorkflowTask.attempt },
        pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
          type: a.activityType?.name,
          state: asJson(a).state,
          attempt: a.attempt,
          lastFailure: a.lastFailure?.message,
        })),
      }),
      (err: Error) => ({ error: err.message }),
    ),
    withTimeout(handle.query(progressQuery), QUERY_TIMEOUT_MS, 'an answer to the progress query').catch((err: Error) => ({ error: err.message })),
    handle.fetchHistory().then(
      (h) => (h.events ?? []).slice(-RECENT_EVENTS).map((e) => String(asJson(e).eventType).replace('EVENT_TYPE_', '')),
      (err: Error) => [`error: ${err.message}`],
    ),
  ]);
  return JSON.stringify({ workflowId: handle.workflowId, ...description, progress, recentEvents: history });
}
