// `scripts/dev [--real-node]`: starts the embedded local stack, installs the CRDs, runs the operator
// against it and prints how to reach everything (and writes an env file to source). Ctrl-C (or SIGTERM)
// stops the operator, then the stack; SIGHUP rebuilds and restarts the operator alone. Pauses work out
// of the box: kwok-tier sandboxes through the stack's simulated committer; with --real-node the stack
// has a real kubelet + containerd node too (root only), and the operator pauses to the stack's registry
// with the project's committer.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { isApiStatus } from '../kernel/kube-errors.js';
import { freePort } from './free-port.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import type { ManagedProcess } from './managed-process.js';
import { snapshotEnvOf, startOperatorOnStack, waitForOperatorReady } from './operator-on-stack.js';
import { REPO_ROOT, resolveToolchain } from './toolchain.js';

const say = (message: string): void => {
  process.stdout.write(`[dev] ${message}\n`);
};

/** Temporal's own defaults, kept when free so the UI bookmark and the CLI's default address keep working. */
const TEMPORAL_PORTS = { frontend: 7233, ui: 8233 };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'real-node': { type: 'boolean', default: false } } });
  const dataDir = join(REPO_ROOT, '.cache', 'dev-stack');
  rmSync(dataDir, { recursive: true, force: true });
  say(`starting the local stack in ${dataDir} ...`);
  const stack = await startLocalStack({
    dataDir,
    temporalUi: true,
    temporalPorts: TEMPORAL_PORTS,
    persistTemporal: true,
    onProgress: (m) => say(m),
    realNode: values['real-node'],
  });
  const realNode = stack.realNode;
  const snapshotEnv = snapshotEnvOf(stack);
  // The namespace upstream's samples name, so they apply unchanged too.
  await ensureNamespace(stack.kubeconfigPath, 'opensandbox');

  const httpPort = await freePort();
  const startOperator = (): ManagedProcess => startOperatorOnStack(stack, { name: 'operator', httpPort });
  let operator = startOperator();

  let stopping = false;
  let restarting = false;
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

  const waitForOperator = () => waitForOperatorReady(operator, httpPort);
  // SIGHUP: rebuild what changed and restart the operator alone; the stack and its objects stay.
  process.on('SIGHUP', () => {
    if (restarting || stopping) return;
    restarting = true;
    void (async () => {
      say('rebuilding and restarting the operator ...');
      await operator.stop(10_000);
      const build = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'build-if-stale')], { stdio: 'inherit' });
      if (build.status !== 0) say('the build failed: starting the previous build');
      operator = startOperator();
      await waitForOperator();
      say('operator restarted');
    })()
      .catch((err: unknown) => say(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        restarting = false;
      });
  });

  try {
    await waitForOperator();
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    await stopAll(1);
  }
  const envFile = writeEnvFile(dataDir, stack);
  const samples = join(REPO_ROOT, 'docs', 'samples');
  say(`local stack ready in ${stack.timings.total} s ${JSON.stringify(stack.timings)}`);
  say(`environment:  source ${envFile}    (KUBECONFIG, kubectl, helm and temporal on PATH, TEMPORAL_ADDRESS)`);
  say(`try:          kubectl apply -f ${samples}/pool.yaml -f ${samples}/pooled-batchsandbox.yaml`);
  say(`              kubectl get pools,batchsandboxes,sandboxsnapshots`);
  say(`              kubectl patch batchsandbox batchsandbox-pool-sample --type=merge -p '{"spec":{"pause":true}}'`);
  say(`              temporal workflow list`);
  say(`pauses:       ${snapshotEnv.SNAPSHOT_REGISTRY}${realNode ? " (the real node's registry)" : ' (kwok pods: the simulated committer takes the push)'}`);
  if (realNode) {
    say(`real node:    ${realNode.nodeName} (${realNode.nodeIp}); pods need the toleration and nodeSelector opensandbox.io/real-node=true`);
    say(`registry:     ${realNode.registry} (plain HTTP); sandbox base image ${realNode.images.busybox}`);
  }
  say(`Temporal UI:  ${stack.temporalUiUrl}`);
  say(`Temporal:     ${stack.temporalAddress} (namespace ${stack.temporalNamespace})`);
  say(`operator:     http://127.0.0.1:${httpPort}/metrics, log ${operator.logPath}`);
  say(`restart it:   kill -HUP ${process.pid}    (rebuilds what changed; the stack stays)`);
  say('Ctrl-C stops everything.');

  // The operator dying is the end of the dev session too.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (!operator.running && !stopping && !restarting) {
      say(`the operator exited; last log lines:\n${operator.logTail()}`);
      await stopAll(1);
    }
  }
}

/** `<dataDir>/env`: what a shell needs to use the stack, for `source`. */
function writeEnvFile(dataDir: string, stack: LocalStack): string {
  const tools = resolveToolchain();
  const path = [...new Set([tools.kubectl, tools.helm, tools.temporal].map((bin) => dirname(bin)))].join(':');
  const file = join(dataDir, 'env');
  writeFileSync(
    file,
    [
      `export KUBECONFIG=${stack.kubeconfigPath}`,
      `export PATH="${path}:$PATH"`,
      `export TEMPORAL_ADDRESS=${stack.temporalAddress}`,
      `export TEMPORAL_NAMESPACE=${stack.temporalNamespace}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function ensureNamespace(kubeconfigPath: string, name: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  try {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!isApiStatus(err, 409)) throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
