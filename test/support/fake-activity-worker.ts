// A Temporal worker on the stack's dev server that runs the production workflow bundle over faked
// activities, and a client: what the workflow tests share. `stop()` ends runs a failed test left waiting,
// so the worker can drain.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { TemporalConfig } from '../../config/operator-config.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { operatorDataConverter } from '../../kernel/payload-compression.js';
import { temporalConnectionOptions } from '../../config/temporal-connection.js';
import { bundleOperatorWorkflows } from '../../workers/bundle-workflows.js';
import { testStackInfo } from './stack.js';

export interface FakeActivityWorker {
  temporal: TemporalConfig;
  client: Client;
  /** A run the test started: terminated at stop() if still running. */
  track<H extends WorkflowHandle>(handle: H): H;
  stop(): Promise<void>;
}

export async function startFakeActivityWorker(taskQueuePrefix: string, activities: object): Promise<FakeActivityWorker> {
  const stack = testStackInfo();
  const temporal: TemporalConfig = {
    address: stack.temporalAddress,
    namespace: stack.temporalNamespace,
    taskQueue: `${taskQueuePrefix}-${randomUUID()}`,
    tls: false,
  };
  // In the stack's data dir, which the run's teardown removes should the test never stop this worker.
  const bundleDir = mkdtempSync(join(stack.dataDir, `${taskQueuePrefix}-bundle-`));
  const workflowBundlePath = join(bundleDir, 'workflow-bundle.js');
  await bundleOperatorWorkflows(workflowBundlePath);
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowBundle: { codePath: workflowBundlePath },
    dataConverter: operatorDataConverter,
    activities,
  });
  const workerRun = worker.run();
  const client = await createTemporalClient(temporal);
  const started: WorkflowHandle[] = [];
  return {
    temporal,
    client,
    track(handle) {
      started.push(handle);
      return handle;
    },
    async stop() {
      for (const handle of started) {
        const { status } = await handle.describe();
        if (status.name === 'RUNNING') await handle.terminate('test ended');
      }
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await connection.close();
      await client.connection.close();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}
