// The commit of one pod's containers, one after the other, as the commit Job's run and the node agent
// both do it: the registry clients (credentials, TLS) resolved once per host, a scratch directory for
// the layers, removed after. A `signal` stops it between and inside the steps (the agent's DELETE).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readDockerConfigCredentials } from '../oci/docker-config.js';
import { RegistryClient } from '../oci/registry-client.js';
import type { CommittedContainer } from '../api/commit-agent.js';
import { commitContainer } from './commit-container.js';
import { isInsecureRegistry, type CommitTarget } from './committer-request.js';
import type { ContainerdEndpoint } from './container-task.js';
import type { FrozenContainers } from './frozen-containers.js';
import type { CriEndpoint } from './pod-container.js';

export interface NodeEndpoints {
  cri: CriEndpoint;
  containerd: ContainerdEndpoint;
  /** The push secret's docker config; a missing file means anonymous pushes. */
  registryConfig: string;
}

export interface PodCommit {
  pod: string;
  namespace: string;
  targets: CommitTarget[];
  /** SNAPSHOT_REGISTRY_INSECURE when set, else guessed from the host (isInsecureRegistry). */
  registryInsecure: boolean | undefined;
}

export async function commitPod(
  node: NodeEndpoints,
  frozen: FrozenContainers,
  request: PodCommit,
  log: Logger,
  signal?: AbortSignal,
): Promise<CommittedContainer[]> {
  const clients = new Map<string, RegistryClient>();
  const registry = (host: string): RegistryClient => {
    let client = clients.get(host);
    if (!client) {
      client = new RegistryClient({
        registry: host,
        insecure: isInsecureRegistry(host, request.registryInsecure),
        credentials: readDockerConfigCredentials(node.registryConfig, host),
        userAgent: 'opensandbox-image-committer',
      });
      clients.set(host, client);
    }
    return client;
  };
  const scratchDir = await mkdtemp(join(tmpdir(), 'image-committer-'));
  try {
    const commits: CommittedContainer[] = [];
    for (const target of request.targets) {
      signal?.throwIfAborted();
      const deps = { cri: node.cri, containerd: node.containerd, frozen, registry, scratchDir, log, ...(signal ? { signal } : {}) };
      commits.push(await commitContainer(deps, request.pod, request.namespace, target));
    }
    return commits;
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}
