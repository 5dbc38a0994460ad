// `npm run bench -- --scenario=<name>[,<name>] [--trials=N]`: delivery of sandboxes from a fully warm
// pool, measured end to end on the local stack with the operator running as its own process.
// Prints one JSON line per scenario: {"scenario","n","trials","p50_ms","p95_ms","writes_per_batch",...}.
// Latency runs from the create call returning to a watching client seeing status.allocated >= replicas;
// writes are counted by the kube-apiserver (apiserver_request_total), not by the operator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../api/v1alpha1/group.js';
import { freePort } from '../stack/free-port.js';
import { startLocalStack, type LocalStack } from '../stack/local-stack.js';
import { ManagedProcess } from '../stack/managed-process.js';
import { REPO_ROOT } from '../stack/toolchain.js';
import { waitUntil } from '../stack/wait-until.js';
import { writeCounts, writeDelta, writesTo, type WriteCounterTarget } from './apiserver-writes.js';

interface Scenario {
  name: string;
  sandboxes: number;
  replicas: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'pool-1x100', sandboxes: 1, replicas: 100 },
  { name: 'pool-100x1', sandboxes: 100, replicas: 1 },
  { name: 'pool-1x1000', sandboxes: 1, replicas: 1000 },
];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
    trials: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
    // Keep the stack's data dir (component and operator logs) for a look afterwards.
    keep: { type: 'boolean', default: false },
  },
});
const trials = Number(values.trials);
const chosen = values.scenario.split(',').map((name) => {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return scenario;
});

const crd = { group: GROUP, version: VERSION };

async function main(): Promise<void> {
  const stack = await startLocalStack({ fakeNodes: 2, keepDataDir: values.keep });
  if (values.keep) process.stderr.write(`stack data: ${stack.dataDir}\n`);
  const operator = await startOperator(stack);
  try {
    for (const scenario of chosen) {
      process.stdout.write(`${JSON.stringify(await runScenario(stack.kubeConfig, scenario, operator.pid))}\n`);
    }
  } finally {
    await operator.stop(10_000);
    await stack.stop();
  }
}

async function startOperator(stack: LocalStack): Promise<ManagedProcess> {
  const port = await freePort();
  const operator = ManagedProcess.start({
    name: 'operator',
    command: process.execPath,
    args: [join(REPO_ROOT, 'dist', 'operator', 'main.js')],
    logPath: join(stack.dataDir, 'operator.log'),
    env: {
      ...process.env,
      KUBECONFIG: stack.kubeconfigPath,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      OPERATOR_HTTP_ADDRESS: `127.0.0.1:${port}`,
      // BENCH_OPERATOR_LOG_LEVEL=debug (with --keep) leaves the operator's decisions in operator.log.
      LOG_LEVEL: process.env.BENCH_OPERATOR_LOG_LEVEL ?? 'warn',
    },
  });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
    what: 'operator /readyz',
    timeoutMs: 60_000,
    process: operator,
  });
  return operator;
}

async function runScenario(kc: KubeConfig, scenario: Scenario, operatorPid: number) {
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
  const writesPerBatch: number[] = [];
  const target = writeTarget(kc);
  for (let trial = 0; trial < trials; trial++) {
    await waitForWarmPool(objects, namespace, size);
    const before = await writeCounts(target);
    const { perSandbox, all, createsTook } = await deliverBatch(kc, namespace, scenario, trial);
    latencies.push(...perSandbox);
    allDelivered.push(all);
    // Let trailing writes land so they are counted too (a controller rewriting status would show here).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const delta = writeDelta(before, await writeCounts(target));
    if (values.verbose) process.stderr.write(`${scenario.name} trial ${trial}: creates took ${Math.round(createsTook)} ms, all delivered ${Math.round(all)} ms, writes ${JSON.stringify([...delta])}\n`);
    const sandboxWrites = writesTo(delta, BATCH_SANDBOX.plural) + writesTo(delta, `${BATCH_SANDBOX.plural}/status`);
    // The create itself is the client's write, not the delivery path's.
    writesPerBatch.push((sandboxWrites - scenario.sandboxes) / scenario.sandboxes);
    await deleteBatch(objects, namespace);
  }
  // The operator's memory with the pool warm again (n pods cached and planned over).
  await waitForWarmPool(objects, namespace, size);
  const rssMb = residentMb(operatorPid);
  await core.deleteNamespace({ name: namespace });
  // The next scenario must not share the machine with this one's garbage collection.
  await waitUntil(
    async () => !(await core.listNamespace()).items.some((n) => n.metadata?.name === namespace),
    { what: `namespace ${namespace} deleted`, timeoutMs: 600_000, intervalMs: 500 },
  );
  return {
    scenario: scenario.name,
    n: size,
    trials,
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    all_delivered_p50_ms: percentile(allDelivered, 50),
    writes_per_batch: Math.max(...writesPerBatch),
    operator_rss_mb: rssMb,
  };
}

/** Creates the batch and resolves when every sandbox is observed delivered, with the latencies. */
async function deliverBatch(kc: KubeConfig, namespace: string, scenario: Scenario, trial: number) {
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
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${BATCH_SANDBOX.plural}`;
  let watch: AbortController | undefined;
  let stopped = false;
  // A watch can end early (a dropped connection, a server-side timeout): pick up with a list, then watch
  // on from the list's version, so a delivery is never missed (it is then timed at the list, later).
  const startWatch = async (resourceVersion: string | undefined): Promise<void> => {
    watch = await new Watch(kc).watch(
      path,
      resourceVersion ? { resourceVersion } : {},
      (_type, obj: Observed) => observe(obj),
      (err: unknown) => {
        if (stopped) return;
        process.stderr.write(`bench watch ended (${err ? String(err) : 'closed'}): resuming with a list\n`);
        void resume();
      },
    );
  };
  const resume = async (): Promise<void> => {
    const list = (await objects.listNamespacedCustomObject({ ...crd, namespace, plural: BATCH_SANDBOX.plural })) as {
      metadata: { resourceVersion: string };
      items: Observed[];
    };
    list.items.forEach(observe);
    await startWatch(list.metadata.resourceVersion);
  };
  await startWatch(undefined);
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: scenario.sandboxes }, async (_, i) => {
        const name = `t${trial}-s${i}`;
        await objects.createNamespacedCustomObject({
          ...crd,
          namespace,
          plural: BATCH_SANDBOX.plural,
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'BatchSandbox',
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
    stopped = true;
    watch?.abort();
  }
  const perSandbox = [...createdAt].map(([name, t]) => Math.max(0, deliveredAt.get(name)! - t));
  return {
    perSandbox,
    all: Math.max(...deliveredAt.values()) - start,
    createsTook: Math.max(...createdAt.values()) - start,
  };
}

async function waitForWarmPool(objects: CustomObjectsApi, namespace: string, size: number): Promise<void> {
  await waitUntil(
    async () => {
      const pool = (await objects.getNamespacedCustomObject({ ...crd, namespace, plural: POOL.plural, name: 'warm' })) as {
        status?: { available?: number; total?: number };
      };
      // Settled, not just big enough: a pool still replacing released pods would be measured busy.
      return pool.status?.available === size && pool.status.total === size;
    },
    { what: `pool ${namespace}/warm with ${size} available pods`, timeoutMs: 300_000, intervalMs: 250 },
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

function residentMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.match(/\d+/)?.[0] ?? 0) / 1024);
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
