// Pooled BatchSandboxes on the real stack: the per-pool workflow warms pods (kwok plays the kubelet:
// they turn Running/Ready with an IP), hands them out, and takes them back on delete.
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { Payload } from '@temporalio/common';
import { register } from 'prom-client';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import { payloadsIn } from '../../bench/pool-workflow-history.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { readAuditedWrites } from '../../stack/audit-log.js';
import { waitUntil } from '../../stack/wait-until.js';
import { poolWorkflowId, progressQuery } from '../../workflows/pool-workflow.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';
import { recordingWorkflowHistories, saveWorkflowHistory } from '../support/workflow-history.js';
import { COMPRESSED_ENCODING, COMPRESSION_THRESHOLD_BYTES, compressingCodec } from '../../kernel/payload-compression.js';

// The pool half only: the delivery's own writes are what these cases count.
const suite = poolOperatorSuite('pooled', { batchSandboxController: false });
const { namespace, core } = suite.ns;
const crd = { group: GROUP, version: VERSION, namespace };
const objects = testKubeConfig().makeApiClient(CustomObjectsApi);

interface Sandbox {
  metadata: { name: string; annotations?: Record<string, string>; finalizers?: string[] };
  status?: { replicas: number; allocated: number; ready: number; phase?: string };
}

const getSandbox = async (name: string) => (await objects.getNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name })) as Sandbox;
const getPool = async (name: string) =>
  (await objects.getNamespacedCustomObject({ ...crd, plural: POOL.plural, name })) as {
    status?: { total: number; allocated: number; available: number };
  };
const allocatedPods = (bs: Sandbox): string[] => JSON.parse(bs.metadata.annotations?.[ANNOTATIONS.allocStatus] ?? '{"pods":[]}').pods;

async function createPool(name: string, capacity: { bufferMin: number; bufferMax: number; poolMin: number; poolMax: number }) {
  const pool = aPool(name, namespace).capacity(capacity).scaleMaxUnavailable('100%').build();
  await objects.createNamespacedCustomObject({ ...crd, plural: POOL.plural, body: pool });
}

/** A series of one of the operator's histograms for `pool` of this test's namespace. */
async function histogramOf(name: string, suffix: '_sum' | '_count', pool: string): Promise<number | undefined> {
  const { values } = (await register.getSingleMetric(name)!.get()) as { values: { metricName?: string; labels: Record<string, unknown>; value: number }[] };
  return values.find((v) => v.metricName === `${name}${suffix}` && v.labels.namespace === namespace && v.labels.pool === pool)?.value;
}

/** A Pool of this test's own whose buffer is warm. */
async function warmPool(name: string, capacity: { bufferMin: number; bufferMax: number; poolMin: number; poolMax: number }) {
  await createPool(name, capacity);
  await waitForAvailable(name, capacity.bufferMin);
}

/** Creates a sandbox of `replicas` from `pool` and waits for its delivery. */
async function deliveredSandbox(name: string, pool: string, replicas: number): Promise<Sandbox> {
  await objects.createNamespacedCustomObject({
    ...crd,
    plural: BATCH_SANDBOX.plural,
    body: aBatchSandbox(name, namespace).poolRef(pool).replicas(replicas).build(),
  });
  await waitUntil(async () => ((await getSandbox(name)).status?.allocated ?? 0) >= replicas, {
    what: `sandbox ${name} delivered`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  return getSandbox(name);
}

async function waitForAvailable(pool: string, available: number) {
  await waitUntil(async () => ((await getPool(pool)).status?.available ?? 0) >= available, {
    what: `pool ${pool} with ${available} available pods`,
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

describe('pooled BatchSandbox', () => {
  it('warms the pool to its buffer with Running/Ready pods (kwok plays the kubelet) and reports status (upstream e2e 5)', async () => {
    await createPool('warm', { bufferMin: 3, bufferMax: 3, poolMin: 0, poolMax: 10 });
    await waitForAvailable('warm', 3);
    const pool = await getPool('warm');
    expect(pool.status).toMatchObject({ total: 3, allocated: 0, available: 3 });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=warm` });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Pool', name: 'warm', controller: true });
      expect(pod.metadata?.labels?.[LABELS.poolRevision]).toMatch(/^[0-9a-f]{16}$/);
    }
    // One SuccessfulCreate event on the Pool for the batch of pods, not one per pod.
    await waitUntil(
      async () => {
        const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pool,involvedObject.name=warm' });
        return events.items.some((e) => e.reason === 'SuccessfulCreate' && /^Created 3 pool pod\(s\): /.test(e.message ?? ''));
      },
      { what: 'SuccessfulCreate event on pool warm', timeoutMs: 30_000 },
    );
  });

  it('delivers a sandbox with alloc-status, endpoints, finalizer and status, labels its pods, and refills the buffer (upstream e2e 9)', async () => {
    await warmPool('deliver', { bufferMin: 3, bufferMax: 3, poolMin: 0, poolMax: 10 });
    const bs = await deliveredSandbox('two', 'deliver', 2);
    const pods = allocatedPods(bs);
    expect(pods).toHaveLength(2);
    const endpoints = JSON.parse(bs.metadata.annotations![ANNOTATIONS.endpoints]!);
    expect(endpoints).toHaveLength(2);
    expect(endpoints.every((ip: string) => /^10\.244\./.test(ip))).toBe(true);
    expect(bs.metadata.finalizers).toContain(FINALIZERS.poolAllocation);
    expect(bs.status).toMatchObject({ replicas: 2, allocated: 2, ready: 2, phase: 'Succeed' });
    // Observable: an Allocated event on the sandbox, and the delivery in the operator's metrics.
    await waitUntil(
      async () => {
        const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=BatchSandbox,involvedObject.name=two' });
        return events.items.some((e) => e.reason === 'Allocated' && e.message === `Allocated 2 pod(s) from Pool deliver: ${pods.join(', ')}`);
      },
      { what: 'Allocated event on sandbox two', timeoutMs: 30_000 },
    );
    // Two writes deliver it, as the apiserver saw them: one metadata patch (alloc-status, endpoints,
    // finalizer) and one status patch; the operator's own metric says the same.
    const writesToTwo = () =>
      readAuditedWrites(testStackInfo().auditLogPath)
        .filter((w) => w.resource === BATCH_SANDBOX.plural && w.namespace === namespace && w.name === 'two' && w.verb !== 'create')
        .map((w) => `${w.verb} ${w.subresource ?? 'object'} ${w.code}`);
    await waitUntil(async () => writesToTwo().length >= 2, { what: 'the delivery in the audit log', timeoutMs: 10_000 });
    expect(writesToTwo()).toEqual(['patch object 200', 'patch status 200']);
    expect(await histogramOf('opensandbox_allocation_latency_seconds', '_count', 'deliver')).toBe(1);
    expect(await histogramOf('opensandbox_delivery_api_writes', '_sum', 'deliver')).toBe(2);
    expect(await histogramOf('opensandbox_delivery_api_writes', '_count', 'deliver')).toBe(1);
    await waitUntil(
      async () => {
        const labelled = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.batchSandboxName}=two` });
        return labelled.items.length === 2;
      },
      { what: 'allocated pods labelled with their sandbox', timeoutMs: 30_000 },
    );
    await waitUntil(
      async () => {
        const status = (await getPool('deliver')).status;
        return status?.allocated === 2 && status.available === 3;
      },
      { what: 'buffer refilled to 3 next to the 2 allocated pods', timeoutMs: 30_000 },
    );
    expect((await getPool('deliver')).status).toMatchObject({ allocated: 2, available: 3, total: 5 });
  });

  it('never gives one pod to two sandboxes when many are created at once (upstream e2e 22)', async () => {
    await createPool('burst', { bufferMin: 4, bufferMax: 4, poolMin: 0, poolMax: 30 });
    await waitForAvailable('burst', 4);
    const names = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    await Promise.all(
      names.map((name) =>
        objects.createNamespacedCustomObject({
          ...crd,
          plural: BATCH_SANDBOX.plural,
          body: aBatchSandbox(name, namespace).poolRef('burst').replicas(2).build(),
        }),
      ),
    );
    // 24 pods wanted from a buffer of 4: the pool grows and the rest arrive as pods warm up.
    await waitUntil(
      async () => {
        const all = await Promise.all(names.map(getSandbox));
        return all.every((bs) => (bs.status?.allocated ?? 0) >= 2);
      },
      { what: 'every burst sandbox delivered', timeoutMs: 60_000, intervalMs: 250 },
    );
    const handedOut = (await Promise.all(names.map(getSandbox))).flatMap(allocatedPods);
    expect(handedOut).toHaveLength(24);
    expect(new Set(handedOut).size).toBe(24);
  });

  it('deletes released pods (Delete recycle) and lets the sandbox go when it is deleted', async () => {
    await warmPool('recycle', { bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 6 });
    const before = allocatedPods(await deliveredSandbox('released', 'recycle', 2));
    await objects.deleteNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: 'released' });
    await waitUntil(
      async () => {
        const list = (await objects.listNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural })) as {
          items: Sandbox[];
        };
        return !list.items.some((bs) => bs.metadata.name === 'released');
      },
      { what: 'sandbox released gone (finalizer removed)', timeoutMs: 30_000 },
    );
    await waitUntil(
      async () => {
        const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=recycle` });
        return !pods.items.some((p) => before.includes(p.metadata!.name!) && !p.metadata?.deletionTimestamp);
      },
      { what: 'released pods deleted', timeoutMs: 30_000 },
    );
  });

  it('writes its status again when something else replaced it (at the next round, the 30 s resync at the latest)', async () => {
    await createPool('rewritten', { bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 4 });
    await waitForAvailable('rewritten', 2);
    const settled = (await getPool('rewritten')).status!;
    await objects.patchNamespacedCustomObjectStatus(
      { ...crd, plural: POOL.plural, name: 'rewritten', body: { status: { ...settled, total: 0, allocated: 0, available: 0 } } },
      MERGE_PATCH,
    );
    await waitUntil(async () => JSON.stringify((await getPool('rewritten')).status) === JSON.stringify(settled), {
      what: `pool rewritten back to ${JSON.stringify(settled)}`,
      timeoutMs: 60_000,
      intervalMs: 500,
    });
  });

  it('answers a progress query on the pool workflow: its rounds, its step and the pods it has handed out', async () => {
    await warmPool('queried', { bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 6 });
    const handle = suite.operator.client.workflow.getHandle(poolWorkflowId(namespace, 'queried'));
    const settled = async () => {
      const progress = await handle.query(progressQuery);
      return progress.step === 'waiting for changes' ? progress : undefined;
    };
    await waitUntil(async () => (await settled()) !== undefined, { what: 'pool queried waiting for changes', timeoutMs: 30_000 });
    expect(await settled()).toMatchObject({ allocatedPods: 0, shortfall: 0 });
    const rounds = (await handle.query(progressQuery)).rounds;
    expect(rounds).toBeGreaterThan(0);
    await deliveredSandbox('queried-1', 'queried', 1);
    await waitUntil(async () => (await settled())?.allocatedPods === 1, { what: 'the delivery in the progress of pool queried', timeoutMs: 30_000 });
    expect((await handle.query(progressQuery)).rounds).toBeGreaterThan(rounds);
    // Refreshes the history that test/integration/workflow-replay.test.ts replays (see test/support/workflow-history.ts).
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow.json');
  });

  it('stores a large pool observation compressed in the workflow history, and delivers from that pool', async () => {
    // 200 pod digests are about 40 KB of JSON, above the codec's threshold (kernel/payload-compression.ts).
    await createPool('large', { bufferMin: 200, bufferMax: 200, poolMin: 0, poolMax: 220 });
    await waitForAvailable('large', 200);
    // A new run observes the whole pool in its first round: the sandbox's signal starts one.
    const workflow = suite.operator.client.workflow.getHandle(poolWorkflowId(namespace, 'large'));
    await workflow.terminate('the test wants a run that starts with the pool warm');
    await objects.createNamespacedCustomObject({
      ...crd,
      plural: BATCH_SANDBOX.plural,
      body: aBatchSandbox('from-large', namespace).poolRef('large').replicas(1).build(),
    });
    await waitUntil(async () => ((await getSandbox('from-large')).status?.allocated ?? 0) === 1, { what: 'from-large delivered', timeoutMs: 30_000 });
    // The first round's results reach the history when its workflow task completes, after the delivery.
    const compressed: Payload[] = [];
    await waitUntil(
      async () => {
        const payloads = payloadsIn((await workflow.fetchHistory()).events);
        compressed.splice(
          0,
          compressed.length,
          ...payloads.filter((p) => new TextDecoder().decode(p.metadata?.encoding ?? new Uint8Array()) === COMPRESSED_ENCODING),
        );
        return compressed.length > 0;
      },
      { what: 'a compressed payload in the pool workflow history', timeoutMs: 30_000 },
    );
    const observations = await compressingCodec().decode(compressed);
    const largest = Math.max(
      ...observations.map((p) => (JSON.parse(new TextDecoder().decode(p.data)) as { pods?: { changed?: unknown[] } }).pods?.changed?.length ?? 0),
    );
    expect(largest).toBeGreaterThanOrEqual(200);
    for (const p of compressed) expect(p.data!.length).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
  });

  it('lets an idle pool rest: no rounds while nothing changes', async () => {
    await warmPool('idle', { bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 4 });
    const handle = suite.operator.client.workflow.getHandle(poolWorkflowId(namespace, 'idle'));
    // Once the pool has settled, two seconds pass without a round (an upkeep that writes nothing does not
    // start another round; only the 30 s resync might, hence the retries).
    await waitUntil(
      async () => {
        const before = (await handle.query(progressQuery)).rounds;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return (await handle.query(progressQuery)).rounds === before;
      },
      { what: 'two seconds without a pool round', timeoutMs: 60_000 },
    );
  });
});
