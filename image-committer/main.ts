// The project's image-committer: the program a commit Job runs on the sandbox's node (spec §6.8).
//   image-committer <pod> <namespace> <container>:<imageUri>...   commit each container, push, report
//   image-committer unpause <pod> <namespace> <container>...       thaw containers a killed commit left frozen
// Success: `{"containers":[{name,image,digest,frozenMs,commitPushMs,layerBytes}]}` in the termination log (the operator
// reads name/image/digest) and SNAPSHOT_DIGEST_<NAME>= lines on stdout, as upstream's committer prints.
// Failure: `error: <why>` in the termination log, which the operator puts on PauseFailed; exit 3 when a
// retry cannot help (commit-failure.ts), else 1.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { readDockerConfigCredentials } from '../oci/docker-config.js';
import { RegistryClient } from '../oci/registry-client.js';
import { commitContainer, type ContainerCommit } from './commit-container.js';
import {
  isInsecureRegistry,
  parseCommitterArgs,
  parseCommitterEnvironment,
  type CommitterEnvironment,
  type CommitterRequest,
} from './committer-request.js';
import { failureExitCode, PermanentCommitError } from './commit-failure.js';
import { thaw, type ContainerdEndpoint } from './container-task.js';
import { FrozenContainers } from './frozen-containers.js';
import { findPodContainer } from './pod-container.js';

const log = pino({ base: { component: 'image-committer' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));

async function run(request: CommitterRequest, env: CommitterEnvironment, frozen: FrozenContainers): Promise<string | undefined> {
  const cri = { crictl: env.CRICTL, socket: env.CONTAINERD_SOCKET };
  const containerd: ContainerdEndpoint = { ctr: env.CTR, socket: env.CONTAINERD_SOCKET, namespace: env.CONTAINERD_NAMESPACE };
  const podLog = log.child({ kind: 'Pod', namespace: request.namespace, name: request.pod });
  if (!statSync(env.CONTAINERD_SOCKET, { throwIfNoEntry: false })?.isSocket()) {
    throw new PermanentCommitError(
      `no containerd socket at ${env.CONTAINERD_SOCKET}: the commit Job mounts the node's socket from the host path the operator's --containerd-socket-path names`,
    );
  }

  if (request.mode === 'unpause') {
    for (const name of request.containers) {
      const container = await findPodContainer(cri, request.pod, request.namespace, name);
      await thaw(containerd, container.id).catch((err: Error) => {
        // Thawing a container that is not frozen is the goal reached.
        if (!/not paused|cannot resume a running process/i.test(err.message)) throw err;
      });
      podLog.info({ container: name }, 'Container thawed');
    }
    return undefined;
  }

  const clients = new Map<string, RegistryClient>();
  const registry = (host: string): RegistryClient => {
    let client = clients.get(host);
    if (!client) {
      client = new RegistryClient({
        registry: host,
        insecure: isInsecureRegistry(host, env.SNAPSHOT_REGISTRY_INSECURE),
        credentials: readDockerConfigCredentials(env.REGISTRY_CONFIG, host),
        userAgent: 'opensandbox-image-committer',
      });
      clients.set(host, client);
    }
    return client;
  };
  const scratchDir = mkdtempSync(join(tmpdir(), 'image-committer-'));
  try {
    const commits: ContainerCommit[] = [];
    for (const target of request.targets) {
      commits.push(await commitContainer({ cri, containerd, frozen, registry, scratchDir, log: podLog }, request.pod, request.namespace, target));
    }
    for (const commit of commits) {
      process.stdout.write(`SNAPSHOT_DIGEST_${commit.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=${commit.digest}\n`);
    }
    process.stdout.write(`SNAPSHOT_DIGEST=${commits[0]!.digest}\n`);
    return JSON.stringify({ containers: commits });
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
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
    const frozen = new FrozenContainers({ ctr: env.CTR, socket: env.CONTAINERD_SOCKET, namespace: env.CONTAINERD_NAMESPACE });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        const failures = frozen.thawAllNow();
        log.warn({ signal, thawFailures: failures }, 'Interrupted; frozen containers thawed');
        writeTerminationLog(env!.TERMINATION_LOG, `error: interrupted by ${signal}`);
        process.exit(1);
      });
    }
    const result = await run(request, env, frozen);
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
