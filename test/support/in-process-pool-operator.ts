// The operator in-process for integration tests: the production worker (pre-built bundle, real
// activities) on a private task queue, the informers, and the watch role (watchers/watch-role.ts): the
// pool signaler, and optionally the controllers on the same informers (sandbox status, expiry, pause).
// Wired as operator/main.ts wires both roles in one process (a shared connection, eager starts), except
// that the pool activities observe through the API, not the informers' cache: with the cache, upstream
// e2e 19 and 31 (pool-recycle.test.ts) failed once on CI (a released Noop pod deleted as surplus); until
// that is understood the tests keep the path they have always passed on.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createKubeClients } from '../../kernel/kube-clients.js';
import { systemClock } from '../../kernel/clock.js';
import type { TemporalConfig } from '../../config/operator-config.js';
import { createLogger } from '../../kernel/logger.js';
import { temporalConnectionOptions } from '../../config/temporal-connection.js';
import { operatorDataConverter } from '../../kernel/payload-compression.js';
import { waitUntil } from '../../stack/wait-until.js';
import { createOperatorInformers, type OperatorInformers } from '../../watchers/operator-informers.js';
import type { SnapshotSettings } from '../../activities/lifecycle-activity-types.js';
import { DEFAULT_COMMIT_JOB_SETTINGS } from '../../planners/lifecycle/commit-job.js';
import type { LifecycleDeadlines } from '../../watchers/lifecycle-workflows.js';
import { createWatchRole } from '../../watchers/watch-role.js';
import { bundleOperatorWorkflows } from '../../workers/bundle-workflows.js';
import { createOperatorWorker, type OperatorWorker } from '../../workers/operator-worker.js';
import { testKubeConfig, testStackInfo } from './stack.js';

const TEST_LIFECYCLE_DEADLINES: LifecycleDeadlines = { pauseMs: 5 * 60_000, resumeMs: 5 * 60_000 };

/** The operator's snapshot defaults (no registry configured), with `overrides`. */
export function testSnapshotSettings(overrides: Partial<SnapshotSettings> = {}): SnapshotSettings {
  return { registry: '', ...DEFAULT_COMMIT_JOB_SETTINGS, ...overrides };
}

let bundled: Promise<string> | undefined;

/**
 * Bundles the workflows from source once per test file (webpack takes seconds): restarts reuse it. It goes
 * in the stack's data dir, which the run's teardown removes (jest ends its workers without an exit event).
 */
function workflowBundle(): Promise<string> {
  bundled ??= (async () => {
    const path = join(mkdtempSync(join(testStackInfo().dataDir, 'workflow-bundle-')), 'workflow-bundle.js');
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
  /**
   * Also run the BatchSandbox and SandboxSnapshot controllers (sandbox status, endpoints, expiry,
   * pause/resume), as the `watch` role does.
   */
  batchSandboxController?: boolean;
  /** Pause and resume deadlines (default: generous, as the operator's). */
  deadlines?: LifecycleDeadlines;
  /** Snapshot settings (default: the operator's defaults, no registry). */
  snapshot?: Partial<SnapshotSettings>;
  /** Where task-executors answer (default: the stack's simulated ones, which serve the kwok pods). */
  taskExecutorUrl?: string;
}

export async function startInProcessPoolOperator(namespace: string, options: InProcessPoolOperatorOptions = {}): Promise<InProcessPoolOperator> {
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
  const snapshot = testSnapshotSettings(options.snapshot);
  // As operator/main.ts runs both roles: one native connection (eager workflow starts).
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
  const informers = createOperatorInformers({ kubeConfig, namespace, log });
  const clients = createKubeClients(kubeConfig);
  const worker: OperatorWorker = await createOperatorWorker({
    config: { temporal, workflowBundlePath, snapshot, taskExecutorUrl: options.taskExecutorUrl ?? stack.taskExecutorUrl },
    clients,
    log,
    connection,
  });
  const workerRun = worker.run();
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter: operatorDataConverter });
  const watchRole = createWatchRole({
    clients,
    informers,
    client,
    eagerStart: true,
    taskQueue: temporal.taskQueue,
    deadlines: options.deadlines ?? TEST_LIFECYCLE_DEADLINES,
    log,
    clock: systemClock,
    controllers: options.batchSandboxController ?? false,
  });
  // Subscribed before the informers start, so their initial list reaches it (as in operator/main.ts).
  watchRole.start();
  void informers.start();
  await waitUntil(async () => informers.unsynced().length === 0, { what: 'informers synced', timeoutMs: 30_000 });
  return {
    client,
    informers,
    taskQueue: temporal.taskQueue,
    stop: async () => {
      await watchRole.stop();
      await informers.stop();
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await workerRun;
      await connection.close();
    },
  };
}
