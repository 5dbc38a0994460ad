// Entry point of the operator process: `node dist/operator/main.js [--flag value ...]`.
// One program, two roles: `watch` (informers) and `work` (the Temporal worker), both by default.
// Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on bad configuration.
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectDefaultMetrics } from 'prom-client';
import { AssignProfileSource } from '../watchers/assign-profile-source.js';
import { registerPoolGauges } from '../watchers/pool-gauges.js';
import { registerTaskGauges } from '../watchers/task-gauges.js';
import { createOperatorInformers, type OperatorInformers } from '../watchers/operator-informers.js';
import { createWatchRole, type WatchRole } from '../watchers/watch-role.js';
import type { OperatorWorker } from '../workers/operator-worker.js';
import { systemClock } from '../kernel/clock.js';
import { createKubeClients } from '../kernel/kube-clients.js';
import { ConfigError, loadProcessConfig, type OperatorConfig } from '../config/operator-config.js';
import { startHttpServer } from './http-server.js';
import { buildKubeConfig } from './kube-config.js';
import { createTemporalClient } from './temporal-client.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { operatorDataConverter } from '../kernel/payload-compression.js';
import { createLogger, type Logger } from '../kernel/logger.js';

/** Everything must be down by then: Kubernetes' default termination grace period is 10 s. */
const SHUTDOWN_TIMEOUT_MS = 9_000;
const READY_POLL_MS = 250;
const WORKER_START_WAIT_MS = 10_000;

/**
 * The Temporal worker and what only it uses, loaded by a process with the work role: a watch-only replica
 * never loads them (Temporal's native core, webpack's and memfs's modules the worker pulls in); it needs
 * only the client, to start and signal workflows.
 */
async function loadWorkRole() {
  const [{ NativeConnection, Runtime }, { createOperatorWorker }, { temporalLogger }] = await Promise.all([
    import('@temporalio/worker'),
    import('../workers/operator-worker.js'),
    import('../workers/temporal-logger.js'),
  ]);
  return { NativeConnection, Runtime, createOperatorWorker, temporalLogger };
}

function loadConfigOrExit(): OperatorConfig {
  try {
    return loadProcessConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A user error: the message says what to fix; a stack trace would only bury it.
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

async function run(config: OperatorConfig, log: Logger): Promise<void> {
  collectDefaultMetrics();
  const kubeConfig = buildKubeConfig(config.kube);
  const clients = createKubeClients(kubeConfig);

  const work = config.roles.has('work') ? await loadWorkRole() : undefined;
  if (work) {
    // Signals are ours to handle (below), so the SDK must not shut the worker down on its own.
    work.Runtime.install({ logger: work.temporalLogger(log), shutdownSignals: [] });
  }
  // Both roles in one process share one native connection: the watch role's workflow starts are then
  // eager (the server hands the first workflow task straight to this process's worker, saving a matching
  // round trip on every pause and resume).
  const sharedConnection: NativeConnection | undefined =
    work && config.roles.has('watch') ? await work.NativeConnection.connect(temporalConnectionOptions(config.temporal)) : undefined;

  let informers: OperatorInformers | undefined;
  let temporalClient: Client | undefined;
  let watchRole: WatchRole | undefined;
  let assignProfiles: AssignProfileSource | undefined;
  if (config.roles.has('watch')) {
    informers = createOperatorInformers({ kubeConfig, namespace: config.watchNamespace, log });
    registerPoolGauges(informers.pools);
    registerTaskGauges(informers.batchSandboxes);
    // Without POD_NAMESPACE (as in upstream's shipped manifests) only the built-in profile is used.
    const profiles = config.podNamespace ? new AssignProfileSource({ kubeConfig, namespace: config.podNamespace, log }) : undefined;
    assignProfiles = profiles;
    temporalClient = sharedConnection
      ? new Client({ connection: sharedConnection, namespace: config.temporal.namespace, dataConverter: operatorDataConverter })
      : await createTemporalClient(config.temporal);
    watchRole = createWatchRole({
      clients,
      informers,
      client: temporalClient,
      eagerStart: sharedConnection !== undefined,
      taskQueue: config.temporal.taskQueue,
      deadlines: { pauseMs: config.lifecycle.pauseTimeoutMs, resumeMs: config.lifecycle.resumeTimeoutMs },
      assignProfile: profiles && (() => profiles.current()),
      log,
      clock: systemClock,
    });
    // Subscribed before the informers start, so their initial list reaches it (and re-arms expiry timers).
    watchRole.start();
  }
  let operatorWorker: OperatorWorker | undefined;
  if (work) {
    operatorWorker = await work.createOperatorWorker({ config, clients, log, cache: informers, connection: sharedConnection });
  }

  const notReady = (): string[] => {
    const pending = informers?.unsynced().map((kind) => `informer ${kind}: not synced`) ?? [];
    if (assignProfiles && !assignProfiles.hasSynced()) pending.push('informer ConfigMap: not synced');
    const workerState = operatorWorker?.worker.getState();
    if (workerState !== undefined && workerState !== 'RUNNING') pending.push(`temporal worker: ${workerState}`);
    return pending;
  };
  const http = await startHttpServer({ address: config.httpAddress, notReady, log });

  const readyPoll = setInterval(() => {
    if (notReady().length > 0) return;
    clearInterval(readyPoll);
    log.info(
      {
        roles: [...config.roles],
        httpAddress: http.address,
        watchNamespace: config.watchNamespace || '(all)',
        temporal: {
          address: config.temporal.address,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
        },
      },
      'Operator ready',
    );
  }, READY_POLL_MS);

  let stopping = false;
  // A worker that stops by itself (fatal error) takes the process down: Kubernetes restarts it.
  const workerDone =
    operatorWorker &&
    runWorkerOnceSynced(operatorWorker).then(
      () => void stop('temporal worker stopped', 1),
      (err: unknown) => {
        log.error({ err }, 'Temporal worker failed');
        void stop('temporal worker failed', 1);
      },
    );
  void informers?.start();
  void assignProfiles?.start();

  /**
   * Polls for workflow tasks only once this process's informers have listed (or after
   * WORKER_START_WAIT_MS): a replica restarting after a crash would otherwise take over workflows while it
   * is still listing and reconciling every object, and replay them slowly, when a warm replica could.
   */
  async function runWorkerOnceSynced(worker: OperatorWorker): Promise<void> {
    const deadline = performance.now() + WORKER_START_WAIT_MS;
    while (!stopping && (informers?.unsynced().length ?? 0) > 0 && performance.now() < deadline) await sleep(READY_POLL_MS / 5);
    if (!stopping) await worker.run();
  }

  async function stop(reason: string, exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'Shutting down');
    setTimeout(() => {
      log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'Shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    clearInterval(readyPoll);
    await watchRole?.stop();
    await informers?.stop();
    await assignProfiles?.stop();
    if (!sharedConnection) await temporalClient?.connection.close();
    if (operatorWorker?.worker.getState() === 'RUNNING') operatorWorker.worker.shutdown();
    await workerDone;
    await sharedConnection?.close();
    await http.close();
    log.info({ exitCode }, 'Operator stopped');
    process.exit(exitCode);
  }
  // `once`: a second signal gets the default action and kills the process at once.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal, 0));
}

const config = loadConfigOrExit();
const log = createLogger(config.logLevel);
try {
  await run(config, log);
} catch (err) {
  log.fatal({ err }, 'Operator failed to start');
  process.exit(1);
}
