// Pooled sandboxes that cannot be served, on the real stack with both halves of the operator: a sandbox
// naming a missing Pool, and one whose allocation annotation does not parse (upstream exits the whole
// operator on the latter, spec §4.4 / e2e 17; we report it on that sandbox and keep serving the others).
import { describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { register } from 'prom-client';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { poolWorkflowId } from '../../workflows/pool-workflow.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { whileDenied } from '../support/admission-policy.js';
import { recordingWorkflowHistories, saveWorkflowHistory } from '../support/workflow-history.js';
import { testKubeConfig } from '../support/stack.js';

const suite = poolOperatorSuite('pooled-bad');
const { ns } = suite;
const { namespace, core } = ns;
const crd = { group: GROUP, version: VERSION, namespace };
const objects = testKubeConfig().makeApiClient(CustomObjectsApi);

const getSandbox = async (name: string) => (await objects.getNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name })) as BatchSandbox;
const createSandbox = (bs: BatchSandbox) => objects.createNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, body: bs });
const createPool = (name: string) =>
  objects.createNamespacedCustomObject({
    ...crd,
    plural: POOL.plural,
    body: aPool(name, namespace).capacity({ bufferMin: 2, bufferMax: 2, poolMin: 0, poolMax: 10 }).scaleMaxUnavailable('100%').build(),
  });
const condition = (bs: BatchSandbox, type: string) => bs.status?.conditions?.find((c) => c.type === type);

async function waitForSandbox(name: string, what: string, test: (bs: BatchSandbox) => boolean): Promise<BatchSandbox> {
  let last: BatchSandbox | undefined;
  await waitUntil(
    async () => {
      last = await getSandbox(name);
      return test(last);
    },
    { what: `${name}: ${what}`, timeoutMs: 60_000, intervalMs: 200 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify({ status: last?.status, annotations: last?.metadata.annotations })}`);
  });
  return last!;
}

async function driftCount(pool: string): Promise<number> {
  const metric = (await register.getSingleMetric('opensandbox_ledger_drift_total')?.get())?.values ?? [];
  return metric.filter((v) => v.labels.namespace === namespace && v.labels.pool === pool).reduce((sum, v) => sum + v.value, 0);
}

async function warningEvents(name: string) {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.type === 'Warning');
}

describe('pooled BatchSandbox bad input', () => {
  it('reports a sandbox naming a missing pool (Progressing/PoolNotFound, Warning Event) and serves it once the pool exists', async () => {
    await createSandbox(aBatchSandbox('early', namespace).poolRef('late').replicas(2).build());
    const waiting = await waitForSandbox('early', 'reported PoolNotFound', (bs) => condition(bs, 'Progressing')?.reason === 'PoolNotFound');
    expect(waiting.status?.phase).toBe('Pending');
    expect(condition(waiting, 'Progressing')?.message).toContain(`Pool ${namespace}/late does not exist`);
    await waitUntil(async () => (await warningEvents('early')).some((e) => e.reason === 'PoolNotFound'), {
      what: 'PoolNotFound Warning Event',
      timeoutMs: 30_000,
    });

    await createPool('late');
    const served = await waitForSandbox('early', 'delivered', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 2);
    expect(served.status?.conditions?.some((c) => c.reason === 'PoolNotFound')).toBe(false);
    expect(JSON.parse(served.metadata.annotations![ANNOTATIONS.allocStatus]!).pods).toHaveLength(2);
  });

  it('serves a sandbox again with new pods when its Pool is deleted and recreated (issue 13)', async () => {
    await createPool('again');
    await createSandbox(aBatchSandbox('survivor', namespace).poolRef('again').replicas(1).build());
    const [first] = await ns.waitForAllocation('survivor', 1);
    await ns.deletePool('again');
    await waitUntil(() => ns.podsGone([first!]), { what: "the deleted Pool's pod gone", timeoutMs: 60_000, intervalMs: 200 });

    await createPool('again');
    const served = await waitForSandbox('survivor', 'served by the recreated pool', (bs) => {
      const pods = JSON.parse(bs.metadata.annotations?.[ANNOTATIONS.allocStatus] ?? '{"pods":[]}').pods as string[];
      return pods.length === 2 && bs.status?.ready === 1;
    }).catch(async (err: Error) => {
      // Seen once on CI (alloc-status of three pods of one prefix): say which Pool object owns each pod.
      const pool = (await objects.getNamespacedCustomObject({ ...crd, plural: POOL.plural, name: 'again' })) as { metadata: { uid: string } };
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=again` })).items.map((p) => ({
        name: p.metadata?.name,
        owner: p.metadata?.ownerReferences?.[0]?.uid,
        deleting: p.metadata?.deletionTimestamp !== undefined,
        phase: p.status?.phase,
      }));
      const workflow = await ns.diagnosePool?.('again').catch((e: Error) => e.message);
      throw new Error(`${err.message}; pool uid ${pool.metadata.uid}; pods ${JSON.stringify(pods)}; workflow ${workflow}`);
    });
    const pods = JSON.parse(served.metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[];
    expect(pods[0]).toBe(first);
    expect(await ns.podsAlive([pods[1]!])).toBe(true);
  });

  it('says on a sandbox and on a Pool when the apiserver refuses their pods for good (issue 13)', async () => {
    // The CRDs keep pod templates as Kubernetes does; the quantity is checked when a pod is created.
    const banana = { spec: { containers: [{ name: 'sandbox', image: 'sandbox:1', resources: { requests: { cpu: 'banana' } } }] } };
    await createSandbox(aBatchSandbox('refused', namespace).replicas(1).template(banana).build());
    const refused = await waitForSandbox('refused', 'FailedCreate on its status', (bs) => condition(bs, 'Progressing')?.reason === 'FailedCreate');
    expect(condition(refused, 'Progressing')?.message).toMatch(/^pod refused-0 cannot be created: .*quantities must match/);

    await objects.createNamespacedCustomObject({
      ...crd,
      plural: POOL.plural,
      body: aPool('refusing', namespace).template(banana).capacity({ bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 2 }).build(),
    });
    await waitUntil(async () => (await warningEvents('refusing')).some((e) => e.reason === 'FailedCreate' && /quantities must match/.test(e.message ?? '')), {
      what: 'FailedCreate Warning Event on the Pool',
      timeoutMs: 30_000,
    });
    // The Pool's status says it too, and so does a sandbox waiting on it.
    await waitUntil(
      async () =>
        (await ns.poolStatus('refusing'))?.conditions?.some((c) => c.type === 'ReplicaFailure' && /quantities must match/.test(c.message ?? '')) === true,
      {
        what: 'ReplicaFailure on the Pool status',
        timeoutMs: 30_000,
      },
    );
    await createSandbox(aBatchSandbox('starved', namespace).poolRef('refusing').build());
    const starved = await waitForSandbox('starved', 'PoolCannotCreatePods', (bs) => condition(bs, 'Progressing')?.reason === 'PoolCannotCreatePods');
    expect(condition(starved, 'Progressing')?.message).toMatch(/^Pool .*\/refusing cannot create pods \(pool pods cannot be created: .*quantities must match/);

    // A fixed template is tried at once (not after the 30 s hold-back): the sandbox is served, both
    // conditions go.
    const fixed = aPool('refusing', namespace).build().spec.template;
    await objects.patchNamespacedCustomObject({ ...crd, plural: POOL.plural, name: 'refusing', body: { spec: { template: fixed } } }, MERGE_PATCH);
    await ns.waitForAllocation('starved', 1);
    await waitForSandbox('starved', 'no PoolCannotCreatePods', (bs) => condition(bs, 'Progressing')?.reason !== 'PoolCannotCreatePods');
    await waitUntil(async () => (await ns.poolStatus('refusing'))?.conditions?.length === 0, { what: 'ReplicaFailure cleared', timeoutMs: 30_000 });
    // A history with a refused create, for test/integration/workflow-replay.test.ts (test/support/workflow-history.ts).
    if (recordingWorkflowHistories()) saveWorkflowHistory(poolWorkflowId(namespace, 'refusing'), 'pool-workflow-refused-create.json');
  });

  it('reports a malformed alloc-status on one sandbox (condition, Warning Event) and keeps serving the others (upstream e2e 17 exits instead)', async () => {
    await createPool('shared');
    await createSandbox(aBatchSandbox('broken', namespace).poolRef('shared').replicas(1).annotation(ANNOTATIONS.allocStatus, '{"pods": [').build());
    const broken = await waitForSandbox(
      'broken',
      'reported AllocationAnnotationInvalid',
      (bs) => condition(bs, 'Progressing')?.reason === 'AllocationAnnotationInvalid',
    );
    expect(condition(broken, 'Progressing')?.message).toMatch(new RegExp(`^${ANNOTATIONS.allocStatus.replace(/[./]/g, '\\$&')}: `));
    await waitUntil(async () => (await warningEvents('broken')).some((e) => e.reason === 'AllocationAnnotationInvalid'), {
      what: 'AllocationAnnotationInvalid Warning Event',
      timeoutMs: 30_000,
    });

    // The same pool keeps serving: a sandbox created after the broken one is delivered.
    await createSandbox(aBatchSandbox('fine', namespace).poolRef('shared').replicas(1).build());
    await waitForSandbox('fine', 'delivered', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);
    // The broken one got nothing: the pool cannot tell what it holds, so it hands it nothing more.
    expect((await getSandbox('broken')).metadata.annotations?.[ANNOTATIONS.allocStatus]).toBe('{"pods": [');

    // Fixed by hand: served, and the condition goes.
    await objects.patchNamespacedCustomObject(
      { ...crd, plural: BATCH_SANDBOX.plural, name: 'broken', body: { metadata: { annotations: { [ANNOTATIONS.allocStatus]: '{"pods":[]}' } } } },
      MERGE_PATCH,
    );
    const fixed = await waitForSandbox('broken', 'delivered after the fix', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);
    expect(fixed.status?.conditions?.some((c) => c.reason === 'AllocationAnnotationInvalid')).toBe(false);
  });

  it('adopts a pod that a hand-edited alloc-status claims (ledger drift: counted, Warning Event) and never hands it to another sandbox', async () => {
    await createPool('audited');
    // Says what the pool workflow was doing if it times out (it did once in CI, not reproduced since).
    await ns.waitForPoolStatus('audited', 'two warm pods', (status) => status.available >= 2);
    await createSandbox(aBatchSandbox('holder', namespace).poolRef('audited').replicas(1).build());
    const holder = await waitForSandbox('holder', 'delivered', (bs) => bs.status?.ready === 1);
    const held = JSON.parse(holder.metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[];
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=audited` });
    const idle = pods.items.map((p) => p.metadata!.name!).find((name) => !held.includes(name))!;

    // Someone writes an idle pod into the holder's alloc-status by hand.
    await objects.patchNamespacedCustomObject(
      {
        ...crd,
        plural: BATCH_SANDBOX.plural,
        name: 'holder',
        body: { metadata: { annotations: { [ANNOTATIONS.allocStatus]: JSON.stringify({ pods: [...held, idle] }) } } },
      },
      MERGE_PATCH,
    );
    await waitUntil(async () => (await driftCount('audited')) >= 1, { what: 'ledger drift counted', timeoutMs: 30_000 });
    await waitUntil(
      async () =>
        (await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=audited' })).items.some(
          (e) => e.reason === 'LedgerDrift' && e.type === 'Warning' && (e.message ?? '').includes(`${idle} (claimed by holder, adopted)`),
        ),
      { what: `LedgerDrift event naming ${idle}`, timeoutMs: 30_000 },
    );

    // The adopted pod is the holder's now: a new sandbox gets another one.
    await createSandbox(aBatchSandbox('newcomer', namespace).poolRef('audited').replicas(1).build());
    const newcomer = await waitForSandbox('newcomer', 'delivered', (bs) => bs.status?.ready === 1);
    const given = JSON.parse(newcomer.metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[];
    expect(given).toHaveLength(1);
    expect(given).not.toContain(idle);
    expect(held).not.toContain(given[0]);
  });

  it('never lets a hand-edited alloc-status reach another sandbox pod or a pod outside the pool: not its endpoints, not its release (issue 13)', async () => {
    await createPool('guarded');
    await waitUntil(
      async () => (await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=guarded` })).items.filter((p) => p.status?.podIP).length >= 2,
      { what: 'two warm pods in pool guarded', timeoutMs: 60_000 },
    );
    await createSandbox(aBatchSandbox('victim', namespace).poolRef('guarded').replicas(1).build());
    const victim = await waitForSandbox('victim', 'delivered', (bs) => bs.status?.ready === 1);
    const [victimPod] = JSON.parse(victim.metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[];
    await createSandbox(aBatchSandbox('bystander', namespace).replicas(1).template().build());
    await waitForSandbox('bystander', 'running', (bs) => bs.status?.ready === 1);
    await createSandbox(aBatchSandbox('forger', namespace).poolRef('guarded').replicas(1).build());
    const forger = await waitForSandbox('forger', 'delivered', (bs) => bs.status?.ready === 1);
    const [forgerPod] = JSON.parse(forger.metadata.annotations![ANNOTATIONS.allocStatus]!).pods as string[];
    const ipOf = async (pod: string) => (await core.readNamespacedPod({ namespace, name: pod })).status!.podIP!;
    const [victimIp, bystanderIp] = [await ipOf(victimPod!), await ipOf('bystander-0')];

    await objects.patchNamespacedCustomObject(
      {
        ...crd,
        plural: BATCH_SANDBOX.plural,
        name: 'forger',
        body: { metadata: { annotations: { [ANNOTATIONS.allocStatus]: JSON.stringify({ pods: [forgerPod, victimPod, 'bystander-0'] }) } } },
      },
      MERGE_PATCH,
    );
    await waitUntil(
      async () =>
        (await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=guarded' })).items.some(
          (e) => e.reason === 'LedgerDrift' && (e.message ?? '').includes(victimPod!),
        ),
      { what: `LedgerDrift event naming ${victimPod}`, timeoutMs: 30_000 },
    );
    // The IPs the annotation lists, compared whole: 10.244.0.2 is not 10.244.0.21.
    const endpoints = JSON.parse((await getSandbox('forger')).metadata.annotations?.[ANNOTATIONS.endpoints] ?? '[]') as string[];
    expect(endpoints).not.toContain(victimIp);
    expect(endpoints).not.toContain(bystanderIp);

    // Deleting the forger gives back its own pod only: the pool recycles it, the others keep theirs.
    await objects.deleteNamespacedCustomObject({ ...crd, plural: BATCH_SANDBOX.plural, name: 'forger' });
    await waitUntil(async () => ns.podsGone([forgerPod!]), { what: `forger pod ${forgerPod} recycled`, timeoutMs: 60_000 });
    for (const pod of [victimPod!, 'bystander-0']) {
      expect((await core.readNamespacedPod({ namespace, name: pod })).metadata?.deletionTimestamp).toBeUndefined();
    }
    expect((await getSandbox('victim')).status?.ready).toBe(1);
  });
  it('says on the Pool when the apiserver refuses an upkeep write for good, and does not retry it (issue 13 item 8)', async () => {
    // A ValidatingAdmissionPolicy refuses the allocation label on this namespace's pods: labelling is off
    // the delivery path, so the sandbox is served, and the refusal is reported instead of retried.
    await core.createNamespacedPod({ namespace, body: { metadata: { name: 'label-probe' }, spec: { containers: [{ name: 'c', image: 'probe' }] } } });
    const noAllocationLabel = {
      name: `${namespace}-no-allocation-label`,
      namespace,
      rule: { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods'] },
      expression: `!has(object.metadata.labels) || !('${LABELS.batchSandboxName}' in object.metadata.labels)`,
      message: 'allocation labels are not allowed here',
      probe: () =>
        core.patchNamespacedPod({ namespace, name: 'label-probe', body: { metadata: { labels: { [LABELS.batchSandboxName]: 'probe' } } } }, MERGE_PATCH),
    };
    await whileDenied(noAllocationLabel, async () => {
      await createPool('unlabelled');
      await createSandbox(aBatchSandbox('unlabelled-1', namespace).poolRef('unlabelled').replicas(1).build());
      await ns.waitForAllocation('unlabelled-1', 1);
      await waitUntil(
        async () => (await warningEvents('unlabelled')).some((e) => e.reason === 'UpkeepRejected' && e.message?.includes('labelling allocated pods')),
        { what: 'UpkeepRejected Warning Event on the Pool', timeoutMs: 30_000 },
      );
      const event = (await warningEvents('unlabelled')).find((e) => e.reason === 'UpkeepRejected');
      expect(event?.message).toContain('allocation labels are not allowed here');
      const description = await suite.operator.client.workflow.getHandle(poolWorkflowId(namespace, 'unlabelled')).describe();
      expect((description.raw.pendingActivities ?? []).map((a) => a.activityType?.name)).not.toContain('labelAllocatedPods');
    });
  });
});
