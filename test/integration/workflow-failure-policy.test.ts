// The operator's workflow failure policy (workers/workflow-failure-policy.ts) on the stack's real Temporal
// server: a pool run that meets nondeterminism fails, so the next signal-with-start replaces it, while a
// pause run keeps its task failing and retrying (the SDK's default). The runs are
// test/fixtures/workflows/replay-divergent.ts, nondeterministic by construction, on a worker without a
// workflow cache (every task replays the run).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { temporalConnectionOptions } from '../../config/temporal-connection.js';
import type { TemporalConfig } from '../../config/operator-config.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { waitUntil } from '../../stack/wait-until.js';
import { WORKFLOW_FAILURE_ERROR_TYPES } from '../../workers/workflow-failure-policy.js';
import { testStackInfo } from '../support/stack.js';

let client: Client;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;

beforeAll(async () => {
  const stack = testStackInfo();
  const temporal: TemporalConfig = {
    address: stack.temporalAddress,
    namespace: stack.temporalNamespace,
    taskQueue: `failure-policy-${randomUUID()}`,
    tls: false,
  };
  taskQueue = temporal.taskQueue;
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../fixtures/workflows/replay-divergent.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
  connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: { code },
    maxCachedWorkflows: 0,
    workflowFailureErrorTypes: WORKFLOW_FAILURE_ERROR_TYPES,
  });
  running = worker.run();
  client = await createTemporalClient(temporal);
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await client?.connection.close();
}, 60_000);

describe('workflow failure policy', () => {
  it('fails a pool run that meets nondeterminism, and a signal-with-start then starts a fresh run', async () => {
    const workflowId = `pool/failure-policy/${randomUUID().slice(0, 8)}`;
    const first = await client.workflow.start('poolWorkflow', { taskQueue, workflowId, workflowExecutionTimeout: '2 minutes' });
    const failure = await first.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/nondetermin/i);
    // What the pool signaler sends on the pool's next change: a new run under the same id.
    const next = await client.workflow.signalWithStart('poolWorkflow', { taskQueue, workflowId, signal: 'poolChanged', workflowExecutionTimeout: '2 minutes' });
    expect(next.signaledRunId).not.toBe(first.firstExecutionRunId);
    expect((await client.workflow.getHandle(workflowId, next.signaledRunId).describe()).status.name).toBe('RUNNING');
    await client.workflow.getHandle(workflowId).terminate('test ended');
  }, 90_000);

  it('keeps a pause run that meets nondeterminism running, its task failing and retried (the SDK default)', async () => {
    const handle = await client.workflow.start('pauseWorkflow', { taskQueue, workflowId: `pause-${randomUUID()}`, workflowExecutionTimeout: '2 minutes' });
    await waitUntil(
      async () => {
        const { events } = await handle.fetchHistory();
        return (events ?? []).some((e) => e.workflowTaskFailedEventAttributes?.failure?.message?.match(/nondetermin/i));
      },
      { what: 'a workflow task failed on nondeterminism', timeoutMs: 60_000, intervalMs: 250 },
    );
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test ended');
  }, 90_000);
});
