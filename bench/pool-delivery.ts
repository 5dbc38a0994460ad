// Delivery of sandboxes from a fully warm pool (scenarios pool-1x100, pool-100x1, pool-1x1000), measured
// end to end. Latency runs from the create call returning to a watching client seeing status.allocated >=
// replicas; writes are counted by the kube-apiserver (apiserver_request_total), not by the operator.
// Each trial is followed by one of the apiserver floor (bench/apiserver-floor.ts): the same creates and
// two writes per sandbox with no operator, so `ratio` compares the two under the same conditions.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../api/v1alpha1/group.js';
import { OPERATOR_SANDBOXES, watchSandboxes, type SandboxResource } from './sandbox-watch.js';
import { deleteFloorSandboxes, FLOOR_SANDBOXES, installFloorCrd, startFloorController } from './apiserver-floor.js';
import { waitUntil } from '../stack/wait-until.js';
import { writeCounts, writeDelta, writesTo, type WriteCounterTarget } from './apiserver-writes.js';
import { deleteNamespaceAndWait, percentile, residentMb, type BenchRun } from './bench-run.js';

export interface PoolScenario {
  name: string;
  sandboxes: number;
  replicas: number;
}

export const POOL_SCENARIOS: PoolScenario[] = [
  { name: 'pool-1x100', sandboxes: 1, replicas: 100 },
  { name: 'pool-100x1', sandboxes: 100, replicas: 1 },
  { name: 'pool-1x1000', sandboxes: 1, replicas: 1000 },
];

const crd = { group: GROUP, version: VERSION };

export async function runPoolScenario(scenario: PoolScenario, { kc, kubeconfigPath, operatorPid, trials, verbose }: BenchRun) {
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const namespace = `bench-${scenario.name}`;
  const size = scenario.sandboxes * scenario.replicas;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await objects.createNamespacedCustomObject({
    ...crd,
    namespace,
    plural: POOL.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Pool',
      metadata: { name: 'warm' },
      spec: {
        template: { spec: { containers: [{ name: 'sandbox', image: 'sandbox:bench', command: ['sleep', 'infinity'] }] } },
        capacitySpec: { bufferMin: size, bufferMax: size, poolMin: size, poolMax: size * 2 },
        scaleStrategy: { maxUnavailable: '100%' },
        recycleStrategy: { type: 'Delete' },
      },
    },
  });

  const latencies: number[] = [];
  const allDelivered: number[] = [];
  const createCalls: number[] = [];
  const writesPerBatch: number[] = [];
  const floorLatencies: number[] = [];
  const floorAll: number[] = [];
  const target = writeTarget(kc);
  await installFloorCrd(kc);
  const floor = await startFloorController(kubeconfigPath, namespace);
  try {
    for (let trial = 0; trial < trials; trial++) {
      await waitForWarmPool(core, objects, namespace, size);
      await floor.nextTrial();
      const measured = await deliverBatch(kc, namespace, scenario, trial, FLOOR_SANDBOXES);
      floorLatencies.push(...measured.perSandbox);
      floorAll.push(measured.all);
      if (verbose) process.stderr.write(`${scenario.name} trial ${trial}: floor all delivered ${Math.round(measured.all)} ms\n`);
      await deleteFloorSandboxes(kc, namespace);
      await operatorTrial(trial);
    }
  } finally {
    floor.stop();
  }
  // The operator's memory with the pool warm again (n pods cached and planned over).
  await waitForWarmPool(core, objects, namespace, size);
  const rssMb = residentMb(operatorPid);
  await deleteNamespaceAndWait(core, namespace, 600_000);
  return {
    scenario: scenario.name,
    n: size,
    trials,
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    all_delivered_p50_ms: percentile(allDelivered, 50),
    // The apiserver floor, measured in the same trials: per sandbox, and all delivered (floor_ms).
    floor_p50_ms: percentile(floorLatencies, 50),
    floor_p95_ms: percentile(floorLatencies, 95),
    floor_ms: percentile(floorAll, 50),
    ratio: Math.round((percentile(allDelivered, 50) / percentile(floorAll, 50)) * 100) / 100,
    // The client's own create calls, all in flight at once: part of "all delivered", not the operator's.
    creates_p50_ms: percentile(createCalls, 50),
    writes_per_batch: Math.max(...writesPerBatch),
    operator_rss_mb: rssMb,
  };

  async function operatorTrial(trial: number): Promise<void> {
    await waitForWarmPool(core, objects, namespace, size);

    const before = await writeCounts(target);
    const { perSandbox, all, createsTook } = await deliverBatch(kc, namespace, scenario, trial, OPERATOR_SANDBOXES);
    latencies.push(...perSandbox);
    allDelivered.push(all);
    createCalls.push(createsTook);
    // Let trailing writes land so they are counted too (a controller rewriting status would show here).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const delta = writeDelta(before, await writeCounts(target));
    if (verbose) process.stderr.write(`${scenario.name} trial ${trial}: creates took ${Math.round(createsTook)} ms, all delivered ${Math.round(all)} ms, writes ${JSON.stringify([...delta])}\n`);
    const sandboxWrites = writesTo(delta, BATCH_SANDBOX.plural) + writesTo(delta, `${BATCH_SANDBOX.plural}/status`);
    // The create itself is the client's write, not the delivery path's.
    writesPerBatch.push((sandboxWrites - scenario.sandboxes) / scenario.sandboxes);
    await deleteBatch(objects, namespace);
  }
}

/**
 * Creates the batch (BatchSandboxes of `resource`: the operator's, or the floor's copy) and resolves when
 * every sandbox is observed delivered, with the latencies.
 */
async function deliverBatch(kc: KubeConfig, namespace: string, scenario: PoolScenario, trial: number, resource: SandboxResource) {
  const crd = { group: resource.group, version: VERSION };
  const objects = kc.makeApiClient(CustomObjectsApi);
  const createdAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  type Observed = { metadata: { name: string; resourceVersion?: string }; spec: { replicas: number }; status?: { allocated?: number } };
  const observe = (obj: Observed) => {
    if ((obj.status?.allocated ?? 0) >= obj.spec.replicas && !deliveredAt.has(obj.metadata.name)) {
      deliveredAt.set(obj.metadata.name, performance.now());
      if (deliveredAt.size === scenario.sandboxes) resolveDone();
    }
  };
  const watch = await watchSandboxes(kc, resource, namespace, observe);
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: scenario.sandboxes }, async (_, i) => {
        const name = `t${trial}-s${i}`;
        await objects.createNamespacedCustomObject({
          ...crd,
          namespace,
          plural: resource.plural,
          body: {
            apiVersion: `${resource.group}/${VERSION}`,
            kind: resource.kind,
            metadata: { name },
            spec: { replicas: scenario.replicas, poolRef: 'warm' },
          },
        });
        createdAt.set(name, performance.now());
      }),
    );
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${scenario.name} trial ${trial}: not delivered within 60 s`)), 60_000),
      ),
    ]);
  } finally {
    watch.stop();
  }
  const perSandbox = [...createdAt].map(([name, t]) => Math.max(0, deliveredAt.get(name)! - t));
  return {
    perSandbox,
    all: Math.max(...deliveredAt.values()) - start,
    createsTook: Math.max(...createdAt.values()) - start,
  };
}

/**
 * Waits until the pool is warm and quiet: `size` available pods and no other pod in the namespace, so
 * the previous trial's released pods (Delete recycle) have finished going away. A trial measured while
 * kwok still tears down a hundred pods would measure that teardown's load, not the delivery.
 */
async function waitForWarmPool(core: CoreV1Api, objects: CustomObjectsApi, namespace: string, size: number): Promise<void> {
  await waitUntil(
    async () => {
      const pool = (await objects.getNamespacedCustomObject({ ...crd, namespace, plural: POOL.plural, name: 'warm' })) as {
        status?: { available?: number; total?: number };
      };
      // Settled, not just big enough: a pool still replacing released pods would be measured busy.
      if (pool.status?.available !== size || pool.status.total !== size) return false;
      return (await core.listNamespacedPod({ namespace })).items.length === size;
    },
    { what: `pool ${namespace}/warm with ${size} available pods and no other pod`, timeoutMs: 300_000, intervalMs: 250 },
  );
}

async function deleteBatch(objects: CustomObjectsApi, namespace: string): Promise<void> {
  await objects.deleteCollectionNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural });
  await waitUntil(
    async () => {
      const list = (await objects.listNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural })) as {
        items: unknown[];
      };
      return list.items.length === 0;
    },
    { what: `batch sandboxes in ${namespace} deleted`, timeoutMs: 120_000, intervalMs: 250 },
  );
}

function writeTarget(kc: KubeConfig): WriteCounterTarget {
  const cluster = kc.getCurrentCluster();
  const token = kc.getCurrentUser()?.token;
  if (!cluster?.caFile || !token) throw new Error('the bench needs the local stack admin kubeconfig');
  return { apiServerUrl: cluster.server, caPath: cluster.caFile, token };
}
