// The pooled-allocation half of the operator, in-process for integration tests: the production worker
// (pre-built bundle, real activities) on a private task queue, the informers, and the pool signaler.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../operator/config.js';
import { createLogger } from '../../operator/logger.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { waitUntil } from '../../stack/wait-until.js';
import { createOperatorInformers, type OperatorInformers } from '../../watchers/operator-informers.js';
import { PoolSignaler } from '../../watchers/pool-signaler.js';
import { bundleOperatorWorkflows } from '../../workers/bundle-workflows.js';
import { createOperatorWorker, type OperatorWorker } from '../../workers/operator-worker.js';
import { testKubeConfig, testStackInfo } from './stack.js';

export interface InProcessPoolOperator {
  client: Client;
  informers: OperatorInformers;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startInProcessPoolOperator(namespace: string): Promise<InProcessPoolOperator> {
  const stack = testStackInfo();
  const kubeConfig = testKubeConfig();
  const log = createLogger('warn');
  const bundleDir = mkdtempSync(join(tmpdir(), 'opensandbox-bundle-'));
  const workflowBundlePath = join(bundleDir, 'workflow-bundle.js');
  await bundleOperatorWorkflows(workflowBundlePath);
  const temporal: TemporalConfig = {
    address: stack.temporalAddress,
    namespace: stack.temporalNamespace,
    taskQueue: `pool-test-${randomUUID()}`,
    tls: false,
  };
  const worker: OperatorWorker = await createOperatorWorker({ config: { temporal, workflowBundlePath }, kubeConfig, log });
  const workerRun = worker.run();
  const client = await createTemporalClient(temporal);
  const informers = createOperatorInformers({ kubeConfig, namespace, log });
  const signaler = new PoolSignaler({ client, taskQueue: temporal.taskQueue, informers, log });
  void informers.start();
  await waitUntil(async () => informers.unsynced().length === 0, { what: 'informers synced', timeoutMs: 30_000 });
  return {
    client,
    informers,
    taskQueue: temporal.taskQueue,
    stop: async () => {
      await informers.stop();
      await signaler.idle();
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await workerRun;
      await client.connection.close();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}
