// One container's commit: find it, freeze it only while containerd computes the diff of its rootfs,
// compress the diff into a layer after the thaw, append the layer to the container's base image by
// digest and push the result to the target image URI. Returns the manifest digest the registry stored.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CommittedContainer } from '../api/commit-agent.js';
import { appendLayer } from '../oci/append-layer.js';
import { gzipLayer } from '../oci/gzip-layer.js';
import { parseImageReference } from '../oci/image-reference.js';
import type { RegistryClient } from '../oci/registry-client.js';
import { snapshotDiff, type ContainerdEndpoint } from './container-task.js';
import type { CommitTarget } from './committer-request.js';
import type { FrozenContainers } from './frozen-containers.js';
import { findPodContainer, type CriEndpoint } from './pod-container.js';

export interface CommitDeps {
  cri: CriEndpoint;
  containerd: ContainerdEndpoint;
  frozen: FrozenContainers;
  /** The client for a registry host (credentials and TLS settings resolved). */
  registry(host: string): RegistryClient;
  scratchDir: string;
  log: Logger;
  /** Stops the commit: the diff is killed (the container thawed) and nothing more is pushed. */
  signal?: AbortSignal;
}

export async function commitContainer(deps: CommitDeps, pod: string, namespace: string, target: CommitTarget): Promise<CommittedContainer> {
  const log = deps.log.child({ container: target.container, image: target.imageUri });
  const container = await findPodContainer(deps.cri, pod, namespace, target.container);
  const layerPath = join(deps.scratchDir, `${container.id}.tar.gz`);
  try {
    const start = performance.now();
    deps.signal?.throwIfAborted();
    const diff = snapshotDiff(deps.containerd, container.snapshotter, container.snapshotKey);
    const stop = () => diff.kill();
    deps.signal?.addEventListener('abort', stop, { once: true });
    let layer;
    try {
      const { frozenMs } = await deps.frozen.whileFrozen(container.id, () => {
        log.info('Container frozen, computing the diff');
        return diff.computed;
      });
      log.info({ frozenMs: Math.round(frozenMs) }, 'Container thawed, diff computed');
      [layer] = await Promise.all([gzipLayer(diff.tar, layerPath), diff.done]);
      deps.signal?.throwIfAborted();
      const layerMs = Math.round(performance.now() - start);
      const base = parseImageReference(container.baseImage);
      const targetRef = parseImageReference(target.imageUri);
      if (!targetRef.tag) throw new Error(`target image ${target.imageUri} has no tag`);
      const pushed = await appendLayer({
        base: { client: deps.registry(base.registry), repository: base.repository, reference: base.digest! },
        target: { client: deps.registry(targetRef.registry), repository: targetRef.repository, tag: targetRef.tag },
        layer: { path: layerPath, digest: layer.digest, diffId: layer.diffId, size: layer.size },
        history: {
          created: new Date().toISOString(),
          createdBy: `opensandbox image-committer: ${namespace}/${pod} container ${target.container}`,
          comment: 'sandbox snapshot',
        },
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      const commitPushMs = Math.round(performance.now() - start);
      log.info({ digest: pushed.digest, layerBytes: layer.size, frozenMs: Math.round(frozenMs), layerMs, commitPushMs }, 'Snapshot pushed');
      return { name: target.container, image: target.imageUri, digest: pushed.digest, frozenMs: Math.round(frozenMs), commitPushMs, layerBytes: layer.size };
    } finally {
      deps.signal?.removeEventListener('abort', stop);
      diff.kill();
    }
  } finally {
    await rm(layerPath, { force: true });
  }
}
