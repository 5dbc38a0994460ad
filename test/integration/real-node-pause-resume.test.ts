// Pause and resume of real containers on the stack's real node (kubelet + containerd + runc): the node's
// commit agent (the project's image-committer image, run by a DaemonSet) freezes the container, takes the diff
// of its rootfs, pushes it onto the base image in the stack's registry and reports the digest; the resume
// starts a new pod from that image. Files written in the container before the pause are read back after
// the resume, byte for byte, and the top layer in the registry holds them.
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { extract } from 'tar-stream';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { API_VERSION } from '../../api/v1alpha1/group.js';
import { parseManifest } from '../../oci/image-schema.js';
import { RegistryClient } from '../../oci/registry-client.js';
import { podName } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { execInPod, parseSha256sum, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode } from '../support/stack.js';

const realNode = requireRealNode();
const REPOSITORY_PREFIX = 'snapshots';
const suite = poolOperatorSuite('real-pause', {
  batchSandboxController: true,
  snapshot: {
    registry: `${realNode.registry}/${REPOSITORY_PREFIX}`,
    committerImage: realNode.images.imageCommitter,
    containerdSocketPath: realNode.containerdSocket,
    registryInsecure: true,
    timeoutSeconds: 120,
    commitAgent: realNode.commitAgent,
  },
});
const { ns } = suite;
const life = new LifecycleNamespace(ns);
const registry = new RegistryClient({ registry: realNode.registry, insecure: true });
const WAIT_MS = 120_000;

const WRITE_FILES =
  'mkdir -p /data && echo "small file $(date +%s%N)" > /data/small.txt && ' +
  'head -c 52428800 /dev/urandom > /data/big.bin && sha256sum /data/small.txt /data/big.bin';
const READ_FILES = 'sha256sum /data/small.txt /data/big.bin';

function sandbox(name: string, replicas = 1): BatchSandbox {
  return aBatchSandbox(name, ns.namespace)
    .replicas(replicas)
    .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
    .build();
}

/** Writes the small and the 50 MB file in the sandbox's pod; returns their digests. */
async function writeFiles(pod: string, extra = ''): Promise<Record<string, string>> {
  const written = parseSha256sum(await execInPod(ns.namespace, pod, 'sandbox', `${extra}${WRITE_FILES}`));
  expect(Object.keys(written)).toEqual(['/data/small.txt', '/data/big.bin']);
  return written;
}

async function readFiles(pod: string): Promise<Record<string, string>> {
  return parseSha256sum(await execInPod(ns.namespace, pod, 'sandbox', READ_FILES));
}

async function running(name: string, replicas = 1): Promise<BatchSandbox> {
  return life.waitForSandbox(name, `${replicas} ready`, (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === replicas, WAIT_MS);
}

/** The files of the registry image's top layer, path → sha256 hex. */
async function topLayerFiles(repository: string, digest: string): Promise<Record<string, string>> {
  const manifest = parseManifest((await registry.getManifest(repository, digest)).bytes, 'snapshot manifest');
  const top = manifest.layers.at(-1)!;
  const files: Record<string, string> = {};
  const untar = extract();
  (await registry.getBlob(repository, top.digest)).pipe(createGunzip()).pipe(untar);
  for await (const entry of untar) {
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk as Buffer);
    if (entry.header.type === 'file') files[entry.header.name] = hash.digest('hex');
  }
  return files;
}

describe('pause and resume on a real node (the project committer, a real registry)', () => {
  it('commits a non-pooled sandbox container, pushes its files on top of the base image, and restores them byte for byte (twice, the second pause through the server retry bridge)', async () => {
    await ns.createSandbox(sandbox('np-real'));
    const before = await running('np-real');
    const [pod] = await life.podsOf(before);
    const written = await writeFiles(podName(pod!));

    await life.setPause('np-real', true);
    const paused = await life.waitForSettled('np-real', 'Paused', WAIT_MS);
    expect(paused.status).toMatchObject({ replicas: 0, ready: 0 });
    const snapshot = (await life.getSnapshot('np-real-pause'))!;
    expect(snapshot.status?.phase).toBe('Succeed');
    const [image] = snapshot.status!.containers!;
    const repository = `${REPOSITORY_PREFIX}/np-real-sandbox`;
    expect(image!.imageUri).toBe(`${realNode.registry}/${repository}:snap-gen${paused.metadata.generation}`);
    expect(image!.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The digest resolves in the registry, and the image's top layer holds exactly what was written.
    const layer = await topLayerFiles(repository, image!.imageDigest!);
    expect(layer['data/small.txt']).toBe(written['/data/small.txt']);
    expect(layer['data/big.bin']).toBe(written['/data/big.bin']);
    expect(await life.podsOf(paused)).toEqual([]);
    // The node's agent committed it: no commit Job, and the snapshot's Event says so.
    expect(await life.jobsOf('np-real-pause')).toEqual([]);
    const { items: events } = await ns.core.listNamespacedEvent({
      namespace: ns.namespace,
      fieldSelector: 'involvedObject.name=np-real-pause,reason=Committed',
    });
    expect(events.map((e) => e.message)).toEqual([`Committed on node ${realNode.nodeName} by its commit agent`]);

    await life.setPause('np-real', false);
    const resumed = await running('np-real');
    const [restored] = await life.podsOf(resumed);
    expect(restored!.spec!.containers[0]!.image).toBe(image!.imageUri);
    expect(await readFiles(podName(restored!))).toEqual(written);
    await life.waitForSettled('np-real', 'Succeed', WAIT_MS);

    // The server's retry bridge: null, then true, is a new pause of the resumed sandbox.
    await execInPod(ns.namespace, podName(restored!), 'sandbox', 'echo second > /data/second.txt');
    await life.setPause('np-real', null);
    await life.setPause('np-real', true);
    const pausedAgain = await life.waitForSettled('np-real', 'Paused', WAIT_MS);
    const [second] = (await life.getSnapshot('np-real-pause'))!.status!.containers!;
    expect(second!.imageUri).toBe(`${realNode.registry}/${repository}:snap-gen${pausedAgain.metadata.generation}`);
    expect(second!.imageUri).not.toBe(image!.imageUri);
    await life.setPause('np-real', false);
    const [again] = await life.podsOf(await running('np-real'));
    const reread = await execInPod(ns.namespace, podName(again!), 'sandbox', `${READ_FILES} && cat /data/second.txt`);
    expect(reread).toContain('second');
    expect(parseSha256sum(reread.split('\n').slice(0, 2).join('\n'))).toEqual(written);
  }, 300_000);

  it('pauses a pooled sandbox through detach and the pool recycle, and resumes its files without the pool', async () => {
    await ns.createPool(
      aPool('real-pool', ns.namespace)
        .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
        .capacity({ bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 2 })
        .build(),
    );
    await ns.waitForStablePool('real-pool', (s) => s.available >= 1);
    await ns.createSandbox(aBatchSandbox('pooled-real', ns.namespace).poolRef('real-pool').build());
    const [poolPod] = await ns.waitForAllocation('pooled-real', 1);
    await running('pooled-real');
    const written = await writeFiles(poolPod!);

    await life.setPause('pooled-real', true);
    const paused = await life.waitForSettled('pooled-real', 'Paused', WAIT_MS);
    expect(paused.spec.poolRef ?? '').toBe('');
    expect((await life.getSnapshot('pooled-real-pause'))?.status?.sourcePodName).toBe(poolPod);
    // The pool takes its pod back (Delete recycle: a fresh pod replaces it).
    await waitUntil(() => ns.podsGone([poolPod!]), { what: 'released pool pod recycled', timeoutMs: WAIT_MS });

    await life.setPause('pooled-real', false);
    const [restored] = await life.podsOf(await running('pooled-real'));
    expect(restored!.spec!.containers[0]!.image).toMatch(new RegExp(`^${realNode.registry}/${REPOSITORY_PREFIX}/pooled-real-sandbox:snap-gen\\d+$`));
    expect(await readFiles(podName(restored!))).toEqual(written);
  }, 300_000);

  it('restores each of two replicas from its own image', async () => {
    await ns.createSandbox(sandbox('two-real', 2));
    const pods = await life.podsOf(await running('two-real', 2));
    const written = new Map<string, Record<string, string>>();
    for (const pod of pods) written.set(podName(pod), await writeFiles(podName(pod), `mkdir -p /data && echo "$HOSTNAME" > /data/who && `));

    await life.setPause('two-real', true);
    await life.waitForSettled('two-real', 'Paused', WAIT_MS);
    const images = [(await life.getSnapshot('two-real-pause'))!, (await life.getSnapshot('two-real-pause-1'))!].map((s) => s.status!.containers![0]!.imageUri);
    expect(images[1]).toMatch(/-r1$/);

    await life.setPause('two-real', false);
    const restored = await life.podsOf(await running('two-real', 2));
    expect(restored.map((pod) => pod.spec!.containers[0]!.image).sort()).toEqual([...images].sort());
    for (const pod of restored) {
      expect(await readFiles(podName(pod))).toEqual(written.get(podName(pod)));
      expect((await execInPod(ns.namespace, podName(pod), 'sandbox', 'cat /data/who')).trim()).toBe(podName(pod));
    }
  }, 300_000);

  it('commits a server snapshot (osb-snap-*) on demand, and a new sandbox starts from its image with the files', async () => {
    await ns.createSandbox(sandbox('source-real'));
    const [pod] = await life.podsOf(await running('source-real'));
    const written = await writeFiles(podName(pod!));
    const name = 'osb-snap-00112233445566778899aabbccddeeff';
    await life.createSnapshot({
      apiVersion: API_VERSION,
      kind: 'SandboxSnapshot',
      metadata: { name, namespace: ns.namespace },
      spec: { sandboxName: 'source-real' },
    });
    const done = await life.waitForSnapshot(name, 'Succeed', (s) => s?.status?.phase === 'Succeed');
    const image = done!.status!.containers![0]!.imageUri;
    expect(image).toBe(`${realNode.registry}/${REPOSITORY_PREFIX}/source-real-sandbox:snap-00112233445566778899aabbccddeeff`);
    // A server snapshot is not a pause: the source keeps running.
    expect((await ns.getSandbox('source-real')).status?.phase).toBe('Succeed');

    const template = realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]);
    template.spec.containers[0]!.image = image;
    await ns.createSandbox(aBatchSandbox('from-snapshot', ns.namespace).template(template).build());
    const [copy] = await life.podsOf(await running('from-snapshot'));
    expect(await readFiles(podName(copy!))).toEqual(written);
  }, 300_000);

  it('commits a sandbox with a sidecar to one image per container and restores both (upstream e2e 41 in meaning, without its task)', async () => {
    const template = realNodeTemplate(realNode, [
      { name: 'sandbox', command: 'sleep 3600' },
      { name: 'sidecar', command: 'sleep 3600' },
    ]);
    await ns.createSandbox(aBatchSandbox('sidecar-real', ns.namespace).template(template).build());
    const [pod] = await life.podsOf(await running('sidecar-real'));
    await execInPod(ns.namespace, podName(pod!), 'sandbox', 'echo main > /which');
    await execInPod(ns.namespace, podName(pod!), 'sidecar', 'echo sidecar > /which');

    await life.setPause('sidecar-real', true);
    await life.waitForSettled('sidecar-real', 'Paused', WAIT_MS);
    const images = (await life.getSnapshot('sidecar-real-pause'))!.status!.containers!;
    expect(images.map((c) => c.containerName)).toEqual(['sandbox', 'sidecar']);
    for (const image of images) expect(image.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    await life.setPause('sidecar-real', false);
    const [restored] = await life.podsOf(await running('sidecar-real'));
    expect(restored!.spec!.containers.map((c) => c.image)).toEqual(images.map((c) => c.imageUri));
    expect((await execInPod(ns.namespace, podName(restored!), 'sandbox', 'cat /which')).trim()).toBe('main');
    expect((await execInPod(ns.namespace, podName(restored!), 'sidecar', 'cat /which')).trim()).toBe('sidecar');
  }, 300_000);
});
