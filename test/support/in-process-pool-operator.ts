// The pooled-allocation half of the operator, in-process for integration tests: the production worker
// (pre-built bundle, real activities) on a private task queue, the informers, and the pool signaler;
// optionally also the watch role's BatchSandbox controller on the same informers (sandbox status, expiry).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
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
import { createOperatorWorker, type OperatorWorker } from '../../workers/operator-worker.js';
import { testKubeConfig, testStackInfo } from './stack.js';

let bundled: Promise<string> | undefined;

/** Bundles the workflows from source once per test file (webpack takes seconds): restarts reuse it. */
function workflowBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opensandbox-bundle-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'workflow-bundle.js');
    await bundleOperatorWorkflows(path);
    return path;
  })();
  return bundled;
}

export interface InProcessPoolOperator {
  client: Client;
  informers: OperatorInformers;
  taskQueue: string;
  stop(): Promise<void>;
}

export interface InProcessPoolOperatorOptions {
  /**
   * The task queue of a stopped instance, to stand in for a restarted operator: the pool workflows it
   * left running in Temporal are served by the new worker. Default: a fresh private queue.
   */
  taskQueue?: string;
  /** Also run the BatchSandbox controller (sandbox status, endpoints, expiry), as the `watch` role does. */
  batchSandboxController?: boolean;
}

export async function startInProcessPoolOperator(
  namespace: string,
  options: InProcessPoolOperatorOptions = {},
): Promise<InProcessPoolOperator> {
  const stack = testStackInfo();
  const kubeConfig = testKubeConfig();
  // TEST_OPERATOR_LOG=debug shows what the in-process operator does (default: warnings only).
  const log = createLogger((process.env.TEST_OPERATOR_LOG as 'debug' | undefined) ?? 'warn');
  const workflowBundlePath = await workflowBundle();
  const temporal: TemporalConfig = {
    address: stack.temporalAddress,
    namespace: stack.temporalNamespace,
    taskQueue: options.taskQueue ?? `pool-test-${randomUUID()}`,
    tls: false,
  };
  const worker: OperatorWorker = await createOperatorWorker({ config: { temporal, workflowBundlePath }, kubeConfig, log });
  const workerRun = worker.run();
  const client = await createTemporalClient(temporal);
  const informers = createOperatorInformers({ kubeConfig, namespace, log });
  const signaler = new PoolSignaler({ client, taskQueue: temporal.taskQueue, informers, log });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const events = options.batchSandboxController ? createEventRecorder({ core, log, clock: systemClock }) : undefined;
  const controller =
    events &&
    new BatchSandboxController({
      informers,
      customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
      core,
      events,
      log,
      clock: systemClock,
    });
  // Subscribed before the informers start, so their initial list reaches it (as in operator/main.ts).
  controller?.start();
  void informers.start();
  await waitUntil(async () => informers.unsynced().length === 0, { what: 'informers synced', timeoutMs: 30_000 });
  return {
    client,
    informers,
    taskQueue: temporal.taskQueue,
    stop: async () => {
      await controller?.stop();
      await informers.stop();
      await events?.flush();
      await signaler.idle();
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await workerRun;
      await client.connection.close();
    },
  };
}
