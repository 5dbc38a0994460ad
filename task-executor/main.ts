// The project's task-executor (spec §3): the agent in a sandbox pod that runs the operator's tasks.
//   task-executor [-data-dir DIR] [-listen-addr HOST:PORT] [-enable-sidecar-mode] [-main-container-name NAME]
// (or DATA_DIR, LISTEN_ADDR, ENABLE_SIDECAR_MODE, MAIN_CONTAINER_NAME). It recovers the tasks persisted
// under the data directory, starts the reconcile loop, and serves the HTTP API (port 5758 by default,
// where the operator calls it). SIGTERM or SIGINT: the HTTP server stops (requests in flight get up to
// 30 s), then the loop; running tasks are left running, as upstream.
import type { AddressInfo } from 'node:net';
import { ConfigError, parseExecutorConfig, type ExecutorConfig } from './config.js';
import { createExecutorServer } from './http-api.js';
import { createExecutorLogger } from './log.js';
import { ProcessRuntime } from './process-runtime.js';
import { TaskManager } from './task-manager.js';
import { TaskStore } from './task-store.js';

const SHUTDOWN_GRACE_MS = 30_000;

async function main(): Promise<number> {
  const log = createExecutorLogger();
  let config: ExecutorConfig;
  try {
    config = parseExecutorConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal({ error: err.message }, 'Invalid configuration');
    return 2;
  }
  log.info(
    { dataDir: config.dataDir, listen: config.listen, sidecarMode: config.sidecarMode, mainContainerName: config.mainContainerName },
    'task-executor starting',
  );

  let manager: TaskManager;
  try {
    const store = new TaskStore(config.dataDir);
    const runtime = new ProcessRuntime({ dataDir: config.dataDir, sidecarMode: config.sidecarMode, mainContainerName: config.mainContainerName, log });
    manager = new TaskManager({ store, runtime, log, reconcileIntervalMs: config.reconcileIntervalMs });
    manager.start();
  } catch (err) {
    log.fatal({ err }, 'Cannot start the task manager');
    return 1;
  }

  const server = createExecutorServer(manager, log, config.httpTimeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => resolve());
    });
  } catch (err) {
    log.fatal({ err, listen: config.listen }, 'HTTP server cannot listen');
    manager.stop();
    return 1;
  }
  const address = server.address() as AddressInfo;
  log.info({ address: address.address, port: address.port }, 'HTTP server listening');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
  });
  log.info({ signal }, 'Shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(grace);
  log.info('HTTP server stopped');
  manager.stop();
  log.info('Task manager stopped');
  return 0;
}

// Bundled as CommonJS for the image (no top-level await there).
void main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`task-executor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
