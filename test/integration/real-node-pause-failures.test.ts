// Pause and resume failures on the real node, through the operator (upstream e2e 43-45 in meaning, and
// more): what the project's committer reports ends on the sandbox as PauseFailed with the committer's own
// words, the sandbox keeps running (its container answers, so it is not left frozen); a fixed secret and
// the server's retry bridge then pause it; a snapshot image that cannot be pulled fails the resume with
// the snapshot kept; a sandbox deleted while its commit runs leaves no Job and no tag in the registry.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { podName } from '../../planners/kube/pod-state.js';
import { NODE_IP } from '../../stack/real-node/node-network.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { execInPod, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode, testStackInfo } from '../support/stack.js';
import { stalledRegistry } from '../support/stalled-registry.js';

const realNode = requireRealNode();
const WAIT_MS = 180_000;
const committerSettings = {
  committerImage: realNode.images.imageCommitter,
  containerdSocketPath: realNode.containerdSocket,
  registryInsecure: true,
  timeoutSeconds: 120,
};

const pauseFailed = (bs: BatchSandbox) => bs.status?.conditions?.find((c) => c.type === 'PauseFailed' && c.status === 'True');

function sandbox(name: string, namespace: string): BatchSandbox {
  return aBatchSandbox(name, namespace)
    .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
    .build();
}

/** Pauses a fresh sandbox and waits for PauseFailed; checks it still runs and answers. */
async function failedPause(life: LifecycleNamespace, ns: { namespace: string; createSandbox(bs: BatchSandbox): Promise<unknown> }, name: string) {
  await ns.createSandbox(sandbox(name, ns.namespace));
  await life.waitForSandbox(name, 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
  await life.setPause(name, true);
  const failed = await life.waitForSandbox(name, 'PauseFailed', (bs) => pauseFailed(bs) !== undefined, WAIT_MS);
  expect(failed.status?.phase).toBe('Succeed');
  const [pod] = await life.podsOf(failed);
  expect((await execInPod(ns.namespace, podName(pod!), 'sandbox', 'echo alive')).trim()).toBe('alive');
  return pauseFailed(failed)!;
}

describe('a snapshot registry nobody listens on', () => {
  const suite = poolOperatorSuite('real-unreachable', {
    batchSandboxController: true,
    snapshot: { ...committerSettings, registry: `${NODE_IP}:5999/snapshots` },
  });
  const life = new LifecycleNamespace(suite.ns);

  it('fails the pause with the committer message naming the registry; the sandbox keeps running', async () => {
    const condition = await failedPause(life, suite.ns, 'unreachable');
    expect(condition.reason).toBe('SnapshotFailed');
    expect(condition.message).toContain('cannot connect to 192.0.2.2:5999');
    // A registry may come back: that failure keeps the Job's retries.
    expect(condition.message).toContain('BackoffLimitExceeded');
  }, 300_000);
});

describe('a node without the containerd socket the operator names', () => {
  const suite = poolOperatorSuite('real-no-socket', {
    batchSandboxController: true,
    snapshot: {
      ...committerSettings,
      registry: `${realNode.registry}/snapshots`,
      containerdSocketPath: join(testStackInfo().dataDir, 'no-containerd', 'containerd.sock'),
    },
  });
  const life = new LifecycleNamespace(suite.ns);

  it('fails the pause naming the missing socket', async () => {
    const condition = await failedPause(life, suite.ns, 'no-socket');
    expect(condition.message).toContain('no containerd socket at /var/run/containerd/containerd.sock');
    // A retry cannot bring the socket: the committer says so (exit 3) and the Job fails without its backoff.
    expect(condition.message).toContain('PodFailurePolicy');
  }, 300_000);
});

describe('a registry that wants credentials (upstream e2e 43 and 45)', () => {
  const suite = poolOperatorSuite('real-auth', {
    batchSandboxController: true,
    snapshot: { ...committerSettings, registry: `${realNode.authRegistry}/snapshots`, pushSecretName: 'push', resumePullSecretName: 'pull' },
  });
  const life = new LifecycleNamespace(suite.ns);

  it('fails a push with wrong credentials, then pauses through the retry bridge once the secret is fixed, and resumes with the pull secret', async () => {
    await life.putPushSecret('push', realNode.authRegistry, 'bad');
    await life.putPushSecret('pull', realNode.authRegistry, 'good');
    const condition = await failedPause(life, suite.ns, 'auth');
    expect(condition.reason).toBe('SnapshotFailed');
    expect(condition.message).toMatch(/refused: 401 unauthorized/i);
    expect(condition.message).toContain('PodFailurePolicy');

    await life.putPushSecret('push', realNode.authRegistry, 'good');
    const [pod] = await life.podsOf(await suite.ns.getSandbox('auth'));
    await execInPod(suite.ns.namespace, podName(pod!), 'sandbox', 'echo kept > /kept');
    await life.setPause('auth', null);
    await life.setPause('auth', true);
    const paused = await life.waitForSettled('auth', 'Paused', WAIT_MS);
    expect(pauseFailed(paused)).toBeUndefined();

    await life.setPause('auth', false);
    const resumed = await life
      .waitForSandbox('auth', 'resumed', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS)
      .catch(async (err: Error) => {
        // Once seen on CI: a resumed pod's first pull failed (ErrImagePull) and the next one worked; the
        // kubelet's own words say why.
        const events = await suite.ns.core.listNamespacedEvent({ namespace: suite.ns.namespace, fieldSelector: 'involvedObject.name=auth-0' });
        const warnings = events.items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
        throw new Error(`${err.message}; pod auth-0 warnings: ${JSON.stringify(warnings)}`);
      });
    const [restored] = await life.podsOf(resumed);
    expect(restored!.spec!.imagePullSecrets).toEqual([{ name: 'pull' }]);
    expect((await execInPod(suite.ns.namespace, podName(restored!), 'sandbox', 'cat /kept')).trim()).toBe('kept');
  }, 300_000);
});

describe('a snapshot image the node cannot pull (upstream e2e 44)', () => {
  const suite = poolOperatorSuite('real-bad-image', {
    batchSandboxController: true,
    snapshot: { ...committerSettings, registry: `${realNode.registry}/snapshots` },
  });
  const life = new LifecycleNamespace(suite.ns);

  it('fails the resume with ResumeFailed and PodFailed and keeps the snapshot', async () => {
    await suite.ns.createSandbox(sandbox('bad-image', suite.ns.namespace));
    await life.waitForSandbox('bad-image', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    await life.setPause('bad-image', true);
    await life.waitForSettled('bad-image', 'Paused', WAIT_MS);
    const snapshot = (await life.getSnapshot('bad-image-pause'))!;
    const containers = snapshot.status!.containers!.map((c) => ({ ...c, imageUri: `${realNode.registry}/snapshots/does-not-exist:snap-gen1` }));
    await life.patchSnapshotStatus('bad-image-pause', { containers });

    await life.setPause('bad-image', false);
    const failed = await life.waitForPhase('bad-image', 'Failed', WAIT_MS);
    const resumeFailed = failed.status?.conditions?.find((c) => c.type === 'ResumeFailed' && c.status === 'True');
    expect(resumeFailed?.reason).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(failed.status?.conditions?.find((c) => c.type === 'PodFailed' && c.status === 'True')).toBeDefined();
    expect((await life.getSnapshot('bad-image-pause'))?.status?.phase).toBe('Succeed');
  }, 300_000);
});

describe('a sandbox deleted while its commit pushes', () => {
  const registry = stalledRegistry('stalled-registry');
  const suite = poolOperatorSuite('real-deleted', {
    batchSandboxController: true,
    snapshot: {
      ...committerSettings,
      get registry() {
        return `${registry.address}/snapshots`;
      },
    },
  });
  const { ns } = suite;
  const life = new LifecycleNamespace(ns);

  it('leaves no Job, no snapshot and no tag in the registry', async () => {
    await ns.createSandbox(sandbox('deleted', ns.namespace));
    const running = await life.waitForSandbox('deleted', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    // A registry that accepts connections and never answers: the push cannot finish.
    registry.stall();
    await life.setPause('deleted', true);
    await waitUntil(
      async () => {
        const { items } = await ns.core.listNamespacedPod({
          namespace: ns.namespace,
          labelSelector: 'sandbox.opensandbox.io/sandbox-snapshot-name=deleted-pause',
        });
        return items.some((pod) => pod.status?.containerStatuses?.[0]?.state?.running);
      },
      { what: 'committer running', timeoutMs: WAIT_MS, intervalMs: 200 },
    );
    await ns.deleteSandbox('deleted');
    await ns.waitForSandboxGone('deleted');
    await life.waitForSnapshot('deleted-pause', 'garbage-collected', (s) => s === undefined);
    await waitUntil(async () => (await life.jobsOf('deleted-pause')).length === 0, { what: 'commit Job deleted', timeoutMs: WAIT_MS });
    // Its committer ends with its pod (SIGTERM): only then may the registry answer again. Before that the
    // committer, still running, would rightly finish its push.
    await waitUntil(
      async () =>
        (await ns.core.listNamespacedPod({ namespace: ns.namespace, labelSelector: 'sandbox.opensandbox.io/sandbox-snapshot-name=deleted-pause' })).items
          .length === 0,
      { what: 'committer pods gone', timeoutMs: WAIT_MS, intervalMs: 200 },
    );
    registry.resume();
    expect(await registry.lookUp('snapshots/deleted-sandbox', `snap-gen${running.metadata.generation! + 1}`)).toBe(404);
  }, 300_000);
});
