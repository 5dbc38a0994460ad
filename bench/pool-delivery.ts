// Delivery of sandboxes from fully warm pools, measured end to end: pool-1x100, pool-100x1, pool-1x1000
// (one pool of the size delivered), sandboxes-1000 (1,000 single-replica sandboxes at once across 20
// pools) and pool-10k (1×1000 and 100×10 from one pool of 10,000, with the pool workflow's history). Latency runs from the create call returning to a watching client seeing status.allocated >=
// replicas; writes are counted by the kube-apiserver (apiserver_request_total), not by the operator.
// Each trial of the operator follows one of the apiserver floor (bench/apiserver-floor.ts): the same
// creates and two writes per sandbox with no operator, so `ratio` compares the two under the same
// conditions. The short scenarios begin with one such pair of trials, reported apart (warmUpTrial).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../api/v1alpha1/group.js';
import { OPERATOR_SANDBOXES, watchSandboxes, type SandboxResource } from './sandbox-watch.js';
import { deleteFloorSandboxes, FLOOR_SANDBOXES, installFloorCrd, startFloorController } from './apiserver-floor.js';
import { isApiStatus } from '../kernel/kube-errors.js';
import { waitUntil } from '../stack/wait-until.js';
import { cpuBetween, sampleCpu } from './cpu-usage.js';
import { writeCounts, writeDelta, writesTo, type WriteCounterTarget } from './apiserver-writes.js';
import { deleteNamespaceAndWait, percentile, type BenchRun } from './bench-run.js';
import { workflowHistoryFigures, type HistoryFigures } from './pool-workflow-history.js';
import { poolWorkflowId } from '../workflows/pool-workflow.js';

/** One batch: `sandboxes` BatchSandboxes of `replicas` each, created at once. */
export interface Delivery {
  sandboxes: number;
  replicas: number;
}

export interface PoolScenario {
  name: string;
  /** Pools the sandboxes are spread over: sandbox i asks for pool `warm-<i mod pools>`. */
  pools: number;
  /** Warm pods per pool, at least what one batch takes from it. */
  podsPerPool: number;
  /** Batches delivered in turn from the same warm pools, `trials` times each; one JSON line each. */
  deliveries: Delivery[];
  /** Also report the pool workflows' history per 1,000 pods delivered and the largest payload in it. */
  histories?: boolean;
  /**
   * One trial of each delivery (floor and operator) before the measured ones, reported apart as
   * `first_trial_ms` / `floor_first_trial_ms`: the first delivery after the stack and the operator warmed
   * up runs cold code on both sides (floor 2,034 ms against 27-59 ms in the others, 2026-12-05), and with
   * 5 trials of one batch it alone sets the p95. Only where a trial takes seconds.
   */
  warmUpTrial?: boolean;
}

export const POOL_SCENARIOS: PoolScenario[] = [
  { name: 'pool-1x100', pools: 1, podsPerPool: 100, deliveries: [{ sandboxes: 1, replicas: 100 }], warmUpTrial: true },
  { name: 'pool-100x1', pools: 1, podsPerPool: 100, deliveries: [{ sandboxes: 100, replicas: 1 }], warmUpTrial: true },
  { name: 'pool-1x1000', pools: 1, podsPerPool: 1000, deliveries: [{ sandboxes: 1, replicas: 1000 }], warmUpTrial: true },
  { name: 'sandboxes-1000', pools: 20, podsPerPool: 50, deliveries: [{ sandboxes: 1000, replicas: 1 }] },
  {
    name: 'pool-10k',
    pools: 1,
    podsPerPool: 10_000,
    deliveries: [
      { sandboxes: 1, replicas: 1000 },
      { sandboxes: 100, replicas: 10 },
    ],
    histories: true,
  },
];
/** Minutes of warm-up each: run only when named. */
export const LONG_POOL_SCENARIOS = ['sandboxes-1000', 'pool-10k'];

const crd = { group: GROUP, version: VERSION };

const poolName = (index: number) => `warm-${index}`;

export async function runPoolScenario(scenario: PoolScenario, run: BenchRun): Promise<object[]> {
  const { kc, kubeconfigPath, trials, verbose } = run;
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const namespace = `bench-${scenario.name}`;
  const { pools, podsPerPool } = scenario;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (let p = 0; p < pools; p++) {
    await objects.createNamespacedCustomObject({
      ...crd,
      namespace,
      plural: POOL.plural,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Pool',
        metadata: { name: poolName(p) },
        spec: {
          template: { spec: { containers: [{ name: 'sandbox', image: 'sandbox:bench', command: ['sleep', 'infinity'] }] } },
          capacitySpec: { bufferMin: podsPerPool, bufferMax: podsPerPool, poolMin: podsPerPool, poolMax: podsPerPool * 2 },
          scaleStrategy: { maxUnavailable: '100%' },
          recycleStrategy: { type: 'Delete' },
        },
      },
    });
  }
  const warmUp = performance.now();
  await waitForWarmPools(core, objects, namespace, scenario);
  const warmUpMs = Math.round(performance.now() - warmUp);
  if (verbose) process.stderr.write(`${scenario.name}: ${pools} × ${podsPerPool} pods warm in ${warmUpMs} ms\n`);
  const poolHistories = async () => {
    const all = await Promise.all(
      Array.from({ length: pools }, (_, p) => workflowHistoryFigures(run.temporalAddress, run.temporalNamespace, poolWorkflowId(namespace, poolName(p)))),
    );
    return all.reduce((a, b) => ({
      runs: a.runs + b.runs,
      events: a.events + b.events,
      payloadBytes: a.payloadBytes + b.payloadBytes,
      maxPayloadBytes: Math.max(a.maxPayloadBytes, b.maxPayloadBytes),
    }));
  };

  const target = writeTarget(kc);
  await installFloorCrd(kc);
  const floor = await startFloorController(kubeconfigPath, namespace);
  const lines: object[] = [];
  try {
    for (const delivery of scenario.deliveries) {
      const shape = `${delivery.sandboxes}x${delivery.replicas}`;
      const first = scenario.warmUpTrial ? await trialPair(delivery, 'w', newMeasures()) : undefined;
      const m = newMeasures();
      const historyBefore = scenario.histories ? await poolHistories() : undefined;
      for (let trial = 0; trial < trials; trial++) await trialPair(delivery, `t${trial}`, m);
      // The operator's memory with the pools warm again (their pods cached and planned over).
      await waitForWarmPools(core, objects, namespace, scenario);
      const pods = delivery.sandboxes * delivery.replicas;
      const history = historyBefore ? figuresPer1000(historyBefore, await poolHistories(), trials * pods) : {};
      lines.push({
        scenario: scenario.name,
        ...(scenario.deliveries.length > 1 ? { delivery: shape } : {}),
        ...(pools > 1 ? { pools } : {}),
        n: pods,
        ...(podsPerPool * pools !== pods ? { pool_pods: podsPerPool * pools, warm_up_ms: warmUpMs } : {}),
        trials,
        p50_ms: percentile(m.latencies, 50),
        p95_ms: percentile(m.latencies, 95),
        all_delivered_p50_ms: percentile(m.allDelivered, 50),
        // The apiserver floor, measured in the same trials: per sandbox, and all delivered (floor_ms).
        floor_p50_ms: percentile(m.floorLatencies, 50),
        floor_p95_ms: percentile(m.floorLatencies, 95),
        floor_ms: percentile(m.floorAll, 50),
        ratio: Math.round((percentile(m.allDelivered, 50) / percentile(m.floorAll, 50)) * 100) / 100,
        // The client's own create calls, all in flight at once: part of "all delivered", not the operator's.
        creates_p50_ms: percentile(m.createCalls, 50),
        writes_per_batch: Math.max(...m.writesPerBatch),
        // The machine's busy share while the operator delivered (and while the floor did), and the CPU
        // seconds the operator processes spent on one delivery: bench/cpu-usage.ts.
        cpu_busy_pct: percentile(m.cpuBusy, 50),
        floor_cpu_busy_pct: percentile(m.floorCpuBusy, 50),
        operator_cpu_s: percentile(m.operatorCpuS, 50),
        ...(first ? { first_trial_ms: percentile(first.allDelivered, 50), floor_first_trial_ms: percentile(first.floorAll, 50) } : {}),
        ...run.operators.memoryFigures(),
        ...history,
      });
    }
  } finally {
    floor.stop();
  }
  await deleteNamespaceAndWait(core, namespace, 600_000);
  return lines;

  /** One trial of the floor, then one of the operator, into `m`; `trial` names its sandboxes. */
  async function trialPair(delivery: Delivery, trial: string, m: Measures): Promise<Measures> {
    await waitForWarmPools(core, objects, namespace, scenario);
    await floor.nextTrial();
    const cpuBefore = sampleCpu([]);
    const measured = await deliverBatch(kc, namespace, scenario, delivery, trial, FLOOR_SANDBOXES);
    m.floorCpuBusy.push(cpuBetween(cpuBefore, sampleCpu([])).busyPct);
    m.floorLatencies.push(...measured.perSandbox);
    m.floorAll.push(measured.all);
    if (verbose)
      process.stderr.write(`${scenario.name} ${delivery.sandboxes}x${delivery.replicas} trial ${trial}: floor all delivered ${Math.round(measured.all)} ms\n`);
    await deleteFloorSandboxes(kc, namespace);
    await operatorTrial(delivery, trial, m);
    return m;
  }

  async function operatorTrial(delivery: Delivery, trial: string, m: Measures): Promise<void> {
    await waitForWarmPools(core, objects, namespace, scenario);

    const before = await writeCounts(target);
    const pids = run.operators.pids;
    const cpuBefore = sampleCpu(pids);
    const { perSandbox, all, createsTook } = await deliverBatch(kc, namespace, scenario, delivery, trial, OPERATOR_SANDBOXES);
    const cpu = cpuBetween(cpuBefore, sampleCpu(pids));
    m.cpuBusy.push(cpu.busyPct);
    m.operatorCpuS.push(cpu.processCpuS);
    m.latencies.push(...perSandbox);
    m.allDelivered.push(all);
    m.createCalls.push(createsTook);
    // Let trailing writes land so they are counted too (a controller rewriting status would show here).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const delta = writeDelta(before, await writeCounts(target));
    if (verbose)
      process.stderr.write(
        `${scenario.name} ${delivery.sandboxes}x${delivery.replicas} trial ${trial}: creates took ${Math.round(createsTook)} ms, all delivered ${Math.round(all)} ms, writes ${JSON.stringify([...delta])}\n`,
      );
    const sandboxWrites = writesTo(delta, BATCH_SANDBOX.plural) + writesTo(delta, `${BATCH_SANDBOX.plural}/status`);
    // The create itself is the client's write, not the delivery path's.
    m.writesPerBatch.push((sandboxWrites - delivery.sandboxes) / delivery.sandboxes);
    const clearing = performance.now();
    await deleteBatch(objects, namespace);
    if (verbose)
      process.stderr.write(
        `${scenario.name} ${delivery.sandboxes}x${delivery.replicas} trial ${trial}: batch deleted in ${Math.round(performance.now() - clearing)} ms\n`,
      );
  }
}

/** What the trials of one delivery measured, a value (or a value per sandbox) per trial. */
interface Measures {
  latencies: number[];
  allDelivered: number[];
  createCalls: number[];
  writesPerBatch: number[];
  floorLatencies: number[];
  floorAll: number[];
  floorCpuBusy: number[];
  cpuBusy: number[];
  operatorCpuS: number[];
}

function newMeasures(): Measures {
  return {
    latencies: [],
    allDelivered: [],
    createCalls: [],
    writesPerBatch: [],
    floorLatencies: [],
    floorAll: [],
    floorCpuBusy: [],
    cpuBusy: [],
    operatorCpuS: [],
  };
}

/** The pool workflows' history grown per 1,000 pods delivered, and the largest payload it ever held. */
function figuresPer1000(before: HistoryFigures, after: HistoryFigures, podsDelivered: number) {
  const per1000 = (value: number) => Math.round((value / podsDelivered) * 1000);
  return {
    history_events_per_1000_pods: per1000(after.events - before.events),
    history_payload_bytes_per_1000_pods: per1000(after.payloadBytes - before.payloadBytes),
    history_runs: after.runs,
    max_payload_bytes: after.maxPayloadBytes,
  };
}

/**
 * Creates the batch (BatchSandboxes of `resource`: the operator's, or the floor's copy) and resolves when
 * every sandbox is observed delivered, with the latencies.
 */
async function deliverBatch(kc: KubeConfig, namespace: string, scenario: PoolScenario, delivery: Delivery, trial: string, resource: SandboxResource) {
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
      if (deliveredAt.size === delivery.sandboxes) resolveDone();
    }
  };
  const watch = await watchSandboxes(kc, resource, namespace, observe);
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: delivery.sandboxes }, async (_, i) => {
        const name = `${trial}-${delivery.sandboxes}x${delivery.replicas}-s${i}`;
        await objects.createNamespacedCustomObject({
          ...crd,
          namespace,
          plural: resource.plural,
          body: {
            apiVersion: `${resource.group}/${VERSION}`,
            kind: resource.kind,
            metadata: { name },
            spec: { replicas: delivery.replicas, poolRef: poolName(i % scenario.pools) },
          },
        });
        createdAt.set(name, performance.now());
      }),
    );
    await Promise.race([
      done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${scenario.name} trial ${trial}: not delivered within 120 s`)), 120_000)),
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
 * Waits until every pool is warm and quiet: `podsPerPool` available pods each and no other pod in the
 * namespace, so the previous trial's released pods (Delete recycle) have finished going away. A trial
 * measured while kwok still tears down a hundred pods would measure that teardown's load, not the delivery.
 */
async function waitForWarmPools(core: CoreV1Api, objects: CustomObjectsApi, namespace: string, scenario: PoolScenario): Promise<void> {
  const { pools, podsPerPool } = scenario;
  await waitUntil(
    async () => {
      const { items } = (await objects.listNamespacedCustomObject({ ...crd, namespace, plural: POOL.plural })) as {
        items: { status?: { available?: number; total?: number } }[];
      };
      // Settled, not just big enough: a pool still replacing released pods would be measured busy.
      if (items.length !== pools || items.some((pool) => pool.status?.available !== podsPerPool || pool.status.total !== podsPerPool)) return false;
      return (await core.listNamespacedPod({ namespace })).items.length === pools * podsPerPool;
    },
    {
      what: `${pools} pool(s) in ${namespace} with ${podsPerPool} available pods each and no other pod`,
      timeoutMs: Math.max(300_000, pools * podsPerPool * 100),
      intervalMs: 500,
    },
  );
}

/** Deletions in flight at once when a batch is cleared. */
const DELETE_CONCURRENCY = 16;

async function deleteBatch(objects: CustomObjectsApi, namespace: string): Promise<void> {
  // One request per sandbox, each asked again until it answers: the apiserver makes a deleteCollection's
  // deletions one after the other, and one of a thousand sandboxes outlasted its 60 s limit under load and
  // was answered 504 for 2 minutes, starting over each time (workers-2, 2026-12-03 and 2026-12-05).
  const { items } = (await objects.listNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural })) as {
    items: { metadata: { name: string } }[];
  };
  const names = items.map((item) => item.metadata.name);
  for (let i = 0; i < names.length; i += DELETE_CONCURRENCY) {
    await Promise.all(
      names.slice(i, i + DELETE_CONCURRENCY).map((name) =>
        waitUntil(
          async () => {
            await objects.deleteNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural, name }).catch((err: unknown) => {
              if (!isApiStatus(err, 404)) throw err;
            });
            return true;
          },
          { what: `batch sandbox ${namespace}/${name} asked to go`, timeoutMs: 120_000, intervalMs: 1_000 },
        ),
      ),
    );
  }
  await waitUntil(
    async () => {
      const list = (await objects.listNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural })) as {
        items: unknown[];
      };
      return list.items.length === 0;
    },
    // Their finalizers go as the pool workflows release them: 1,000 at once took over 2 minutes three times
    // on 2026-12-05 (two of them with two operator processes), with the machine busy throughout.
    { what: `batch sandboxes in ${namespace} deleted`, timeoutMs: 300_000, intervalMs: 250 },
  );
}

function writeTarget(kc: KubeConfig): WriteCounterTarget {
  const cluster = kc.getCurrentCluster();
  const token = kc.getCurrentUser()?.token;
  if (!cluster?.caFile || !token) throw new Error('the bench needs the local stack admin kubeconfig');
  return { apiServerUrl: cluster.server, caPath: cluster.caFile, token };
}
