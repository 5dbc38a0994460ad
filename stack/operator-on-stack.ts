// The operator as its own process against the local stack, as deployed (the bundle the image ships, with
// its Node flags and memory settings), for the dev command, the benchmarks and the chaos run. Pauses go to
// the real node's registry and committer (its node agent, else a commit Job) when the stack has one, else
// to a name the simulated committer accepts.
import { join } from 'node:path';
import type { LocalStack } from './local-stack.js';
import { OPERATOR_NODE_FLAGS, withOperatorMemoryEnv } from '../kernel/process-memory.js';
import { OPERATOR_BUNDLE_PATH } from '../images/operator-bundle.js';
import { ManagedProcess } from './managed-process.js';
import { realNodeCommitAgentEnv, realNodeOperatorEnv } from './real-node/real-node.js';
import { waitUntil } from './wait-until.js';

/** The simulated committer "pushes" anywhere; this name only has to be a valid reference. */
export const SIMULATED_SNAPSHOT_REGISTRY = 'registry.kwok.local:5000/sandboxes';

/** Where the operator pauses to on this stack: the real node's registry and committer, or the simulated one. */
export function snapshotEnvOf(stack: Pick<LocalStack, 'realNode'>): Record<string, string> {
  return stack.realNode
    ? { ...realNodeOperatorEnv(stack.realNode), ...realNodeCommitAgentEnv(stack.realNode) }
    : { SNAPSHOT_REGISTRY: SIMULATED_SNAPSHOT_REGISTRY };
}

export interface OperatorOnStackOptions {
  /** Process name in errors, and its log file `<name>.log` in the stack's data dir. */
  name: string;
  httpPort: number;
  /** More settings (they win over the stack's). */
  env?: NodeJS.ProcessEnv;
}

export function startOperatorOnStack(stack: LocalStack, opts: OperatorOnStackOptions): ManagedProcess {
  return ManagedProcess.start({
    name: opts.name,
    command: process.execPath,
    args: [...OPERATOR_NODE_FLAGS, OPERATOR_BUNDLE_PATH],
    logPath: join(stack.dataDir, `${opts.name}.log`),
    env: withOperatorMemoryEnv({
      ...process.env,
      KUBECONFIG: stack.kubeconfigPath,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
      TASK_EXECUTOR_URL: stack.taskExecutorUrl,
      OPERATOR_HTTP_ADDRESS: `127.0.0.1:${opts.httpPort}`,
      ...snapshotEnvOf(stack),
      ...opts.env,
    }),
  });
}

/** Resolves once /readyz answers 200; fails at once with the log tail if the process exits. */
export async function waitForOperatorReady(operator: ManagedProcess, httpPort: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, {
    what: `${operator.name} http://127.0.0.1:${httpPort}/readyz`,
    timeoutMs,
    process: operator,
  });
}
