// The pooled-allocation half of the operator, in-process for integration tests: the production worker
// (pre-built bundle, real activities) on a private task queue, the informers, and the pool signaler.
// Optionally the `watch` role's BatchSandbox controller on the same informers too (auto-assign needs both).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { systemClock } from '../../operator/clock.js';
import type { TemporalConfig } from '../../operator/config.js';
import { createEventRecorder } from '../../operator/events.js';
import { createLogger } from '../../operator/logger.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { waitUntil } from '../../stack/wait-until.js';
import { BatchSandboxController } from '../../watchers/batch-sandbox-controller.js';
import { createOperatorInformers, type OperatorInformers } from '../../watchers/operator-informers.js';
import { PoolSignaler } from '../../watchers/pool-signaler.js';
import { bundleOperatorWorkflows } from '../../workers/bundle-workflows.js';
import { poolWorkflowId } from '../../workflows/pool-workflow.js';
import { createOperatorWorker, type OperatorWorker } from '../../workers/operator-worker.js';
import { testKubeConfig, testStackInfo } from './stack.js';

export interface InProcessPoolOperator {
  client: Client;
  informers: OperatorInformers;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface InProcessPoolOperatorOptions {
  /** Also run the BatchSandbox controller (status, expiry, auto-assign) on the same informers. */
  batchSandboxController?: boolean;
}

export async function startInProcessPoolOperator(
  namespace: string,
  { batchSandboxController = false }: InProcessPoolOperatorOptions = {},
): Promise<InProcessPoolOperator> {
  const stack = testStackInfo();
  const kubeConfig = testKubeConfig();
  // TEST_OPERATOR_LOG=debug shows what the in-process operator does (default: warnings only).
  const log = createLogger((process.env.TEST_OPERATOR_LOG as 'debug' | undefined) ?? 'warn');
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
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const events = createEventRecorder({ core, log, clock: systemClock });
  const controller = batchSandboxController
    ? new BatchSandboxController({
        informers,
        customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
        core,
        events,
        log,
        clock: systemClock,
      })
    : undefined;
  // Subscribed before the informers start, so their initial list reaches it.
  controller?.start();
  void informers.start();
  await waitUntil(async () => informers.unsynced().length === 0, { what: 'informers synced', timeoutMs: 30_000 });
  return {
    client,
    informers,
    taskQueue: temporal.taskQueue,
    stop: async () => {
      await controller?.stop();
      const pools = informers.pools.list(namespace).flatMap((pool) => pool.metadata?.name ?? []);
      await informers.stop();
      await events.flush();
      await signaler.idle();
      // The pool workflows of this namespace never end on their own (one per Pool, for the Pool's life);
      // left running, a worker shutdown waits for their workflow tasks. The test is over: end them.
      await Promise.all(
        pools.map((pool) =>
          client.workflow
            .getHandle(poolWorkflowId(namespace, pool))
            .terminate('in-process operator stopped')
            .catch(() => {}),
        ),
      );
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await workerRun;
      await client.connection.close();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}
