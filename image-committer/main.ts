// The project's image-committer: the program a commit Job runs on the sandbox's node (spec §6.8), and
// the node agent that commits on request without a Job (ADR 0007).
//   image-committer <pod> <namespace> <container>:<imageUri>...   commit each container, push, report
//   image-committer unpause <pod> <namespace> <container>...       thaw containers a killed commit left frozen
//   image-committer serve                                          the node agent (api/commit-agent.ts)
// Success: `{"containers":[{name,image,digest,frozenMs,commitPushMs,layerBytes}]}` in the termination log (the operator
// reads name/image/digest) and SNAPSHOT_DIGEST_<NAME>= lines on stdout, as upstream's committer prints.
// Failure: `error: <why>` in the termination log, which the operator puts on PauseFailed; exit 3 when a
// retry cannot help (commit-failure.ts), else 1.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { commitAgentServer } from './commit-agent-server.js';
import { CommitAgent } from './commit-agent.js';
import { commitPod, type NodeEndpoints } from './commit-pod.js';
import { parseCommitterArgs, parseCommitterEnvironment, type CommitterEnvironment, type CommitterRequest } from './committer-request.js';
import { failureExitCode, PermanentCommitError } from './commit-failure.js';
import { thaw } from './container-task.js';
import { FrozenContainers, isAlreadyThawed } from './frozen-containers.js';
import { findPodContainer } from './pod-container.js';

const log = pino({ base: { component: 'image-committer' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));

function nodeEndpoints(env: CommitterEnvironment): NodeEndpoints {
  return {
    cri: { crictl: env.CRICTL, socket: env.CONTAINERD_SOCKET },
    containerd: { ctr: env.CTR, socket: env.CONTAINERD_SOCKET, namespace: env.CONTAINERD_NAMESPACE },
    registryConfig: env.REGISTRY_CONFIG,
  };
}

function requireSocket(env: CommitterEnvironment, mountedBy: string): void {
  if (!statSync(env.CONTAINERD_SOCKET, { throwIfNoEntry: false })?.isSocket()) {
    throw new PermanentCommitError(`no containerd socket at ${env.CONTAINERD_SOCKET}: ${mountedBy}`);
  }
}

const JOB_SOCKET = "the commit Job mounts the node's socket from the host path the operator's --containerd-socket-path names";

async function runJob(request: Exclude<CommitterRequest, { mode: 'serve' }>, env: CommitterEnvironment, frozen: FrozenContainers): Promise<string | undefined> {
  const node = nodeEndpoints(env);
  const podLog = log.child({ kind: 'Pod', namespace: request.namespace, name: request.pod });
  requireSocket(env, JOB_SOCKET);

  if (request.mode === 'unpause') {
    for (const name of request.containers) {
      const container = await findPodContainer(node.cri, request.pod, request.namespace, name);
      await thaw(node.containerd, container.id).catch((err: Error) => {
        if (!isAlreadyThawed(err)) throw err;
      });
      podLog.info({ container: name }, 'Container thawed');
    }
    return undefined;
  }

  const commits = await commitPod(node, frozen, { ...request, registryInsecure: env.SNAPSHOT_REGISTRY_INSECURE }, podLog);
  for (const commit of commits) {
    process.stdout.write(`SNAPSHOT_DIGEST_${commit.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=${commit.digest}\n`);
  }
  process.stdout.write(`SNAPSHOT_DIGEST=${commits[0]!.digest}\n`);
  return JSON.stringify({ containers: commits });
}

/** The node agent: serves until SIGTERM, then stops every running commit (thawing its container). */
async function serve(env: CommitterEnvironment, frozen: FrozenContainers): Promise<void> {
  const node = nodeEndpoints(env);
  requireSocket(env, "the agent's DaemonSet mounts the node's socket (its containerdSocketPath)");
  const token = readFileSync(env.COMMIT_AGENT_TOKEN_FILE, 'utf8').trim();
  if (!token) throw new PermanentCommitError(`the token file ${env.COMMIT_AGENT_TOKEN_FILE} is empty`);
  const thawed = await frozen.thawJournaled();
  if (thawed.length > 0) log.warn({ containers: thawed }, 'Thawed containers a previous agent left frozen');
  const agent = new CommitAgent((request, signal) => {
    const podLog = log.child({ kind: 'Pod', namespace: request.namespace, name: request.pod, key: request.key });
    return commitPod(node, frozen, { ...request, registryInsecure: request.registryInsecure ?? env.SNAPSHOT_REGISTRY_INSECURE }, podLog, signal);
  });
  const server = commitAgentServer(agent, token, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.COMMIT_AGENT_PORT, () => resolve());
  });
  log.info({ port: env.COMMIT_AGENT_PORT }, 'Commit agent listening');
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  log.info({ running: agent.running() }, 'Stopping: running commits are stopped and their containers thawed');
  server.close();
  await agent.stopAll();
}

function writeTerminationLog(path: string, text: string): void {
  try {
    // The kubelet keeps at most 4096 bytes of it.
    writeFileSync(path, text.slice(0, 4000));
  } catch (err) {
    log.warn({ err, path }, 'Cannot write the termination log');
  }
}

async function main(): Promise<number> {
  let env: CommitterEnvironment | undefined;
  try {
    env = parseCommitterEnvironment(process.env);
    const request = parseCommitterArgs(process.argv.slice(2));
    const containerd = nodeEndpoints(env).containerd;
    if (request.mode === 'serve') {
      await serve(env, new FrozenContainers(containerd, env.COMMIT_AGENT_STATE_DIR));
      return 0;
    }
    const frozen = new FrozenContainers(containerd);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        const failures = frozen.thawAllNow();
        log.warn({ signal, thawFailures: failures }, 'Interrupted; frozen containers thawed');
        writeTerminationLog(env!.TERMINATION_LOG, `error: interrupted by ${signal}`);
        process.exit(1);
      });
    }
    const result = await runJob(request, env, frozen);
    if (result !== undefined) writeTerminationLog(env.TERMINATION_LOG, result);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err }, 'Commit failed');
    writeTerminationLog(env?.TERMINATION_LOG ?? '/dev/termination-log', `error: ${message}`);
    return failureExitCode(err);
  }
}

// Bundled as CommonJS for the image (no top-level await there).
void main().then((code) => {
  process.exitCode = code;
});
