// The pool workflow's delivery activity against the real apiserver: its conditional metadata patch, and
// what it writes when the same delivery comes again (a workflow task that timed out while its deliveries
// still ran is run again from the same observation: its orders carry the resourceVersion the first
// attempt's writes already moved on).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createPoolActivities } from '../../activities/pool-activities.js';
import { ANNOTATIONS, FINALIZERS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, VERSION } from '../../api/v1alpha1/group.js';
import { createKubeClients } from '../../kernel/kube-clients.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { createLogger } from '../../kernel/logger.js';
import { poolMetrics } from '../../kernel/operator-metrics.js';
import type { DeliveryOrder } from '../../planners/pool/delivery-plan.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { deliveredStatus } from '../builders/sandbox-view.js';
import { asLocalActivity } from '../support/local-activity-context.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig } from '../support/stack.js';

const ns = new PoolNamespace(`pool-act-${Date.now().toString(36)}`);
const namespace = ns.namespace;
const kubeConfig = testKubeConfig();
const objects = kubeConfig.makeApiClient(CustomObjectsApi);
const metrics = poolMetrics(new Registry());
const activities = createPoolActivities({
  clients: createKubeClients(kubeConfig),
  log: createLogger('error'),
  events: { record: () => {} },
  metrics,
});

beforeAll(() => ns.create(), 60_000);
afterAll(() => ns.delete(), 60_000);

/** API writes the delivery activity has made so far (the sum of its per-delivery histogram). */
async function writesSoFar(): Promise<number> {
  const { values } = await metrics.deliveryWrites.get();
  return values.filter((v) => v.metricName?.endsWith('_sum')).reduce((sum, v) => sum + v.value, 0);
}

async function orderFor(name: string): Promise<DeliveryOrder> {
  await ns.createSandbox(aBatchSandbox(name, namespace).replicas(2).poolRef('warm').build());
  const created = await ns.getSandbox(name);
  return {
    sandbox: name,
    resourceVersion: created.metadata.resourceVersion!,
    allocStatus: ['warm-a', 'warm-b'],
    endpoints: ['10.0.0.1', '10.0.0.2'],
    finalizers: [],
    status: deliveredStatus(2),
    createdAt: String(created.metadata.creationTimestamp),
    completes: true,
  };
}

async function deliver(order: DeliveryOrder): Promise<{ delivered: string[]; writes: number }> {
  const before = await writesSoFar();
  const { delivered } = await asLocalActivity('deliverAllocations', () => activities.deliverAllocations({ namespace, pool: 'warm', orders: [order] }));
  return { delivered, writes: (await writesSoFar()) - before };
}

describe('deliverAllocations', () => {
  it('writes alloc-status, endpoints and the finalizer in one patch and the status in another', async () => {
    const order = await orderFor('bs-once');
    expect(await deliver(order)).toEqual({ delivered: ['bs-once'], writes: 2 });
    const bs = await ns.getSandbox('bs-once');
    expect(bs.metadata.annotations?.[ANNOTATIONS.allocStatus]).toBe('{"pods":["warm-a","warm-b"]}');
    expect(bs.metadata.annotations?.[ANNOTATIONS.endpoints]).toBe('["10.0.0.1","10.0.0.2"]');
    expect(bs.metadata.finalizers).toEqual([FINALIZERS.poolAllocation]);
    expect(bs.status).toMatchObject({ replicas: 2, allocated: 2, ready: 2 });
  });

  it('made again from the same observation, writes nothing more than the refused patch', async () => {
    const order = await orderFor('bs-twice');
    await deliver(order);
    const after = await ns.getSandbox('bs-twice');
    expect(await deliver(order)).toEqual({ delivered: ['bs-twice'], writes: 1 });
    expect((await ns.getSandbox('bs-twice')).metadata.resourceVersion).toBe(after.metadata.resourceVersion);
  });

  it('made again after its status patch did not land, writes the status only', async () => {
    const order = await orderFor('bs-status');
    await deliver(order);
    await objects.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural, namespace, name: 'bs-status', body: { status: { allocated: 0, ready: 0 } } },
      MERGE_PATCH,
    );
    const annotations = (await ns.getSandbox('bs-status')).metadata.annotations;
    expect(await deliver(order)).toEqual({ delivered: ['bs-status'], writes: 2 });
    const bs = await ns.getSandbox('bs-status');
    expect(bs.status).toMatchObject({ allocated: 2, ready: 2 });
    expect(bs.metadata.annotations).toEqual(annotations);
  });
});
