// Recycle strategies on the real stack (spec §4.5, upstream e2e "Pool Recycle" cases 18–21 and 31): what
// happens to a pool pod once the sandbox that held it is deleted. Noop hands it back as is, Delete
// replaces it, Restart restarts its containers (pods/exec of the restart command) and hands it back
// once they run again, or deletes it when they never do.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import type { RecycleStrategyType } from '../../api/v1alpha1/pool.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { waitUntil } from '../../stack/wait-until.js';
import { poolWorkflowId } from '../../workflows/pool-workflow.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { startInProcessPoolOperator, type InProcessPoolOperator } from '../support/in-process-pool-operator.js';
import { simulateContainerRestarts, type SimulatedContainerRestarts } from '../support/simulated-container-restarts.js';
import { testKubeConfig } from '../support/stack.js';
import { recordingWorkflowHistories, saveWorkflowHistory } from '../support/workflow-history.js';

const namespace = `recycle-${Date.now().toString(36)}`;
const crd = { group: GROUP, version: VERSION, namespace };
let core: CoreV1Api;
let objects: CustomObjectsApi;
let operator: InProcessPoolOperator;
const kubelets: SimulatedContainerRestarts[] = [];

/**
 * A long retry interval: a restart that completes within it was noticed through the pod's own change
 * (the pool signaler's fingerprint), not through a timer.
 */
const WAIT_FOR_POD_EVENTS = JSON.stringify({ retryInterval: '10m' });
/** Short interval, two attempts: the fallback comes by timer alone, as no pod event happens. */
const GIVE_UP_QUICKLY = JSON.stringify({ retryInterval: '1s', maxRetries: 2 });

beforeAll(async () => {
  const kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  objects = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  operator = await startInProcessPoolOperator(namespace);
}, 120_000);

afterAll(async () => {
  // Those a failed test left running (stop() is idempotent).
  await Promise.all(kubelets.map((k) => k.stop()));
  await operator?.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => {});
}, 60_000);

interface PoolStatus {
  total: number;
  allocated: number;
  available: number;
}

async function createPool(name: string, recycle: RecycleStrategyType, restartConfig?: string): Promise<void> {
  // bufferMax 2: a pod that comes back next to the refilled buffer is not trimmed as surplus.
  const pool = aPool(name, namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 4 }).scaleMaxUnavailable('100%').recycle(recycle);
  if (restartConfig) pool.annotation(ANNOTATIONS.restartConfig, restartConfig);
  await objects.createNamespacedCustomObject({ ...crd, plural: POOL.plural, body: pool.build() });
}

const poolStatus = async (name: string) => ((await objects.getNamespacedCustomObject({ ...crd, plural: POOL.plural, name })) as { status?: PoolStatus }).status;

async function waitForPool(name: string, what: string, test: (s: PoolStatus) => boolean, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    async () => {
      const status = await poolStatus(name);
      return status !== undefined && test(status);
    },
    { what: `pool ${name}: ${what}`, timeoutMs, intervalMs: 200 },
  );
}

/** Creates a sandbox of `replicas` pods from `pool` and returns its pods once delivered. */
async function allocate(name: string, pool: string, replicas = 1): Promise<string[]> {
  await objects.createNamespacedCustomObject({
    ...crd,
    plural: BATCH_SANDBOX.plural,
    body: aBatchSandbox(name, namespace).poolRef(pool).replicas(replicas).build(),
  });
  let pods: string[] = [];
  await waitUntil(
    async () => {
      pods = await allocatedPods(name);
      return pods.length >= replicas;
    },
    { what: `sandbox ${name} allocated ${replicas} pods`, timeoutMs: 60_000, intervalMs: 200 },
  );
  return pods;
}

async function allocatedPods(sandbox: string): Promise<string[]> {
  const bs = (await objects.getNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: sandbox })) as {
    metadata: { annotations?: Record<string, string> };
  };
  return JSON.parse(bs.metadata.annotations?.[ANNOTATIONS.allocStatus] ?? '{"pods":[]}').pods;
}

/**
 * Deletes a sandbox (unless already deleted: it may be gone already) and waits until it is gone, i.e. the
 * pool recorded the release of all its pods.
 */
async function release(sandbox: string, timeoutMs = 60_000): Promise<void> {
  await objects.deleteNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: sandbox }).catch((err: unknown) => {
    if (!isApiStatus(err, 404)) throw err;
  });
  await waitUntil(
    async () => {
      try {
        await objects.getNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: sandbox });
        return false;
      } catch (err) {
        if (isApiStatus(err, 404)) return true;
        throw err;
      }
    },
    { what: `sandbox ${sandbox} gone (pool-allocation finalizer removed)`, timeoutMs, intervalMs: 200 },
  );
}

async function readPod(name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ namespace, name });
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

const goneOrTerminating = (pod: V1Pod | undefined) => pod === undefined || Boolean(pod.metadata?.deletionTimestamp);
const restartCount = (pod: V1Pod | undefined) => pod?.status?.containerStatuses?.[0]?.restartCount ?? 0;

/** Upstream's "stays so for N s" checks, kept short: `probe` must hold at every poll for `ms`. */
async function holdsFor(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await probe())) throw new Error(`no longer true: ${what}`);
    await sleep(250);
  }
}

/** The pod is alive under the same UID (not replaced, not being deleted) for a few seconds. */
async function keptAlive(pod: string, uid: string): Promise<void> {
  await holdsFor(5_000, `pod ${pod} alive with UID ${uid}`, async () => {
    const current = await readPod(pod);
    return current?.metadata?.uid === uid && !current.metadata.deletionTimestamp;
  });
}

describe('pool recycle strategies', () => {
  it('Noop keeps the released pod and its UID, and hands it out again (upstream e2e 18)', async () => {
    await createPool('noop', 'Noop');
    await waitForPool('noop', 'warm', (s) => s.available >= 1);
    const [pod] = await allocate('noop-1', 'noop');
    const uid = (await readPod(pod!))!.metadata!.uid!;
    await release('noop-1');
    await keptAlive(pod!, uid);
    await waitForPool('noop', 'nothing allocated, pods available', (s) => s.allocated === 0 && s.available >= 1);
    await allocate('noop-2', 'noop');
    expect((await readPod(pod!))?.metadata?.uid).toBe(uid);
  });

  it('Noop keeps its pod where Delete replaces its own (upstream e2e 19)', async () => {
    await createPool('cmp-noop', 'Noop');
    await createPool('cmp-delete', 'Delete');
    const [[kept], [dropped]] = await Promise.all([allocate('cmp-n', 'cmp-noop'), allocate('cmp-d', 'cmp-delete')]);
    const uid = (await readPod(kept!))!.metadata!.uid!;
    await Promise.all([release('cmp-n'), release('cmp-d')]);
    await waitUntil(async () => goneOrTerminating(await readPod(dropped!)), { what: `Delete pod ${dropped} deleted`, timeoutMs: 60_000 });
    await keptAlive(kept!, uid);
  });

  it('Delete deletes the released pod and refills the buffer (upstream e2e 20)', async () => {
    await createPool('delete', 'Delete');
    const [pod] = await allocate('delete-1', 'delete');
    await release('delete-1');
    await waitUntil(async () => goneOrTerminating(await readPod(pod!)), { what: `pod ${pod} deleted`, timeoutMs: 60_000 });
    await waitForPool('delete', 'refilled', (s) => s.allocated === 0 && s.available >= 1);
  });

  it('Restart: kwok + test harness simulate the kubelet restarting the containers; the pod comes back restarted, not replaced (upstream e2e 21)', async () => {
    await createPool('restart', 'Restart', WAIT_FOR_POD_EVENTS);
    const kubelet = simulateContainerRestarts(core, namespace, 'restart');
    kubelets.push(kubelet);
    const [pod] = await allocate('restart-1', 'restart');
    const before = (await readPod(pod!))!;
    // The sandbox goes only once its pod is restarted: the release is recorded then, not before.
    await release('restart-1', 30_000);
    expect(kubelet.restarted).toEqual([`${pod}#1`]);
    const after = (await readPod(pod!))!;
    expect(restartCount(after)).toBe(restartCount(before) + 1);
    expect(JSON.parse(after.metadata!.annotations![ANNOTATIONS.restartRecord]!)).toMatchObject({ id: 'restart-1', retryCount: 1 });
    await keptAlive(pod!, before.metadata!.uid!);
    // kwok left the simulated kubelet's status alone meanwhile.
    expect(restartCount(await readPod(pod!))).toBe(restartCount(before) + 1);
    await waitForPool('restart', 'restarted pod available again', (s) => s.allocated === 0 && s.available >= 1);
    await allocate('restart-2', 'restart');
    await kubelet.stop();
    // A replayed history of the Restart path (test/integration/workflow-replay.test.ts).
    if (recordingWorkflowHistories()) saveWorkflowHistory(poolWorkflowId(namespace, 'restart'), 'pool-workflow-restart.json');
  });

  it('Restart gives up after maxRetries when the containers never restart: the pod is deleted and replaced', async () => {
    await createPool('restart-fails', 'Restart', GIVE_UP_QUICKLY);
    const [pod] = await allocate('fails-1', 'restart-fails');
    await objects.deleteNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: 'fails-1' });
    // kwok runs no container: both attempts' execs reach nothing, so the pod is deleted instead. Nothing
    // about the pod changes after an attempt is recorded, so the retry timer alone drives this (spec §10
    // B9): it takes a few seconds, where waiting for the 30 s resync would take over a minute.
    const deadline = Date.now() + 45_000;
    await waitUntil(
      async () => {
        const record = (await readPod(pod!))?.metadata?.annotations?.[ANNOTATIONS.restartRecord];
        return record !== undefined && JSON.parse(record).retryCount === 2;
      },
      { what: `second restart attempt recorded on ${pod}`, timeoutMs: deadline - Date.now(), intervalMs: 100 },
    );
    await waitUntil(async () => goneOrTerminating(await readPod(pod!)), {
      what: `pod ${pod} deleted after 2 attempts, well before two resyncs`,
      timeoutMs: deadline - Date.now(),
    });
    await release('fails-1');
    await waitForPool('restart-fails', 'a replacement pod available', (s) => s.allocated === 0 && s.available >= 1);
  });

  it('Noop, Delete and Restart pools side by side keep their own counts (upstream e2e 31)', async () => {
    await Promise.all([createPool('mix-noop', 'Noop'), createPool('mix-delete', 'Delete'), createPool('mix-restart', 'Restart', WAIT_FOR_POD_EVENTS)]);
    const kubelet = simulateContainerRestarts(core, namespace, 'mix-restart');
    kubelets.push(kubelet);
    const [n1, n2, d1, d2, r1] = await Promise.all([
      allocate('mix-n1', 'mix-noop'),
      allocate('mix-n2', 'mix-noop'),
      allocate('mix-d1', 'mix-delete', 2),
      allocate('mix-d2', 'mix-delete'),
      allocate('mix-r1', 'mix-restart'),
    ]);
    const everyPod = [n1, n2, d1, d2, r1].flat();
    expect(new Set(everyPod).size).toBe(everyPod.length);
    await waitForPool('mix-noop', '2 allocated', (s) => s.allocated === 2);
    await waitForPool('mix-delete', '3 allocated', (s) => s.allocated === 3);
    await waitForPool('mix-restart', '1 allocated', (s) => s.allocated === 1);
    const noopUid = (await readPod(n2[0]!))!.metadata!.uid!;
    const restartBefore = restartCount(await readPod(r1[0]!));

    await Promise.all([release('mix-n2'), release('mix-d2'), release('mix-r1', 30_000)]);
    await waitForPool('mix-noop', '1 allocated', (s) => s.allocated === 1);
    await waitForPool('mix-delete', '2 allocated', (s) => s.allocated === 2);
    await waitForPool('mix-restart', 'nothing allocated, pods available', (s) => s.allocated === 0 && s.available >= 1);
    await waitUntil(async () => goneOrTerminating(await readPod(d2[0]!)), { what: 'Delete pool pod deleted', timeoutMs: 60_000 });
    // All of it at once: a failure shows whether the pod was restarted, replaced or trimmed.
    const restarted = await readPod(r1[0]!);
    expect({
      simulated: kubelet.restarted,
      pod: restarted?.metadata?.name,
      deleting: restarted?.metadata?.deletionTimestamp,
      restarts: restartCount(restarted),
    }).toEqual({
      simulated: [`${r1[0]}#1`],
      pod: r1[0],
      deleting: undefined,
      restarts: restartBefore + 1,
    });
    await keptAlive(n2[0]!, noopUid);
    // The deleted pod is never handed out again.
    expect(await allocatedPods('mix-d1')).not.toContain(d2[0]);
    const pools = await Promise.all(['mix-noop', 'mix-delete', 'mix-restart'].map(poolStatus));
    expect(pools.map((s) => s?.allocated)).toEqual([1, 2, 0]);
    const labelled = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=mix-restart` });
    expect(labelled.items.some((p) => p.metadata?.name === r1[0] && !p.metadata?.deletionTimestamp)).toBe(true);
    await kubelet.stop();
  });
});
