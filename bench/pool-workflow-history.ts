// What a pool workflow's runs carried (issue 15): its events and payload bytes (activity inputs and
// results, signals, workflow input; every run of its continue-as-new chain), and the largest single
// payload among them, read back from Temporal's own histories.
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

export interface HistoryFigures {
  runs: number;
  events: number;
  /** The bytes of every payload in the histories: what dominates their size. */
  payloadBytes: number;
  maxPayloadBytes: number;
}

/** The payloads (`{metadata, data}`) anywhere in a decoded history, in order. */
export function payloadsIn(value: unknown, into: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return into;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) {
    into.push(record);
    return into;
  }
  for (const child of Array.isArray(value) ? value : Object.values(record)) payloadsIn(child, into);
  return into;
}

export async function workflowHistoryFigures(address: string, namespace: string, workflowId: string): Promise<HistoryFigures> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const figures: HistoryFigures = { runs: 0, events: 0, payloadBytes: 0, maxPayloadBytes: 0 };
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      const sizes = payloadsIn(history.events).map((payload) => payload.data!.length);
      figures.runs++;
      figures.events += history.events?.length ?? 0;
      figures.payloadBytes += sizes.reduce((a, b) => a + b, 0);
      figures.maxPayloadBytes = Math.max(figures.maxPayloadBytes, ...sizes);
    }
    return figures;
  } finally {
    await connection.close();
  }
}
