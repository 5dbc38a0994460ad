// `scripts/dev`: starts the embedded local stack, installs the CRDs, runs the operator against it and
// prints how to reach everything. Ctrl-C (or SIGTERM) stops the operator, then the stack.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startLocalStack } from './local-stack.js';
import { ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './toolchain.js';
import { waitUntil } from './wait-until.js';

const say = (message: string): void => {
  process.stdout.write(`[dev] ${message}\n`);
};

async function main(): Promise<void> {
  const dataDir = join(REPO_ROOT, '.cache', 'dev-stack');
  rmSync(dataDir, { recursive: true, force: true });
  say(`starting the local stack in ${dataDir} ...`);
  const stack = await startLocalStack({
    dataDir,
    temporalUi: true,
    persistTemporal: true,
    onProgress: (m) => say(m),
  });

  const httpPort = await freePort();
  const operator = ManagedProcess.start({
    name: 'operator',
    command: process.execPath,
    args: [join(REPO_ROOT, 'dist', 'operator', 'main.js')],
    logPath: join(dataDir, 'operator.log'),
    env: {
      ...process.env,
      KUBECONFIG: stack.kubeconfigPath,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
      OPERATOR_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      TASK_EXECUTOR_URL: stack.taskExecutorUrl,
    },
  });

  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping the operator and the local stack ...');
    await operator.stop(10_000);
    await stack.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const readyz = `http://127.0.0.1:${httpPort}/readyz`;
  try {
    await waitUntil(async () => (await fetch(readyz)).ok, { what: `operator ${readyz}`, timeoutMs: 60_000, process: operator });
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    await stopAll(1);
  }
  say(`local stack ready in ${stack.timings.total} s ${JSON.stringify(stack.timings)}`);
  say(`kubeconfig:   export KUBECONFIG=${stack.kubeconfigPath}`);
  say(`try:          kubectl get pools,batchsandboxes,sandboxsnapshots -A`);
  say(`              kubectl apply -f ../shared/upstream/samples/sandbox_v1alpha1_pool.yaml`);
  say(`Temporal UI:  ${stack.temporalUiUrl}`);
  say(`Temporal:     ${stack.temporalAddress} (namespace ${stack.temporalNamespace})`);
  say(`operator:     http://127.0.0.1:${httpPort}/metrics, log ${operator.logPath}`);
  say('Ctrl-C stops everything.');

  // The operator dying is the end of the dev session too.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (!operator.running && !stopping) {
      say(`the operator exited; last log lines:\n${operator.logTail()}`);
      await stopAll(1);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
