// No double allocation, ever: two operator processes (both roles each, one Temporal task queue) against
// one cluster. A watch on the BatchSandboxes replays every state the apiserver went through, in
// resourceVersion order, and checks each one: at no observed moment is a pod held by two sandboxes, a
// sandbox holding more pods than it asked for, or a pod dropped from an alloc-status. The second test
// SIGKILLs the process running the pool workflow in the middle of a burst and keeps creating sandboxes.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { ANNOTATIONS, LABELS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { createTemporalClient } from '../../operator/temporal-client.js';
import { waitUntil } from '../../stack/wait-until.js';
import { poolWorkflowId, progressQuery, type PoolProgress } from '../../workflows/pool-workflow.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import {
  buildIfStale,
  httpPortOf,
  killOperators,
  stackOperatorArgs,
  startOperator,
  waitForReady,
  withTimeout,
  type OperatorProcess,
} from '../support/operator-process.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

const runId = Date.now().toString(36);
let kc: KubeConfig;
let core: CoreV1Api;
let objects: CustomObjectsApi;
let temporal: Client;
const cleanups: Array<() => Promise<void>> = [];

interface Sandbox {
  metadata: { name: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec: { replicas: number };
  status?: { allocated?: number };
}

beforeAll(async () => {
  buildIfStale();
  kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  objects = kc.makeApiClient(CustomObjectsApi);
}, 180_000);

afterEach(async () => {
  killOperators();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
}, 60_000);

afterAll(async () => {
  await temporal?.connection.close();
});

/** A fresh namespace, and two operators watching only it on one private task queue. */
async function twoOperators(name: string): Promise<{ namespace: string; operators: OperatorProcess[] }> {
  const namespace = `${name}-${runId}`;
  const taskQueue = `two-operators-${randomUUID()}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  temporal ??= await createTemporalClient({
    address: testStackInfo().temporalAddress,
    namespace: testStackInfo().temporalNamespace,
    taskQueue,
    tls: false,
  });
  cleanups.push(async () => {
    // The operators are dead: drop the finalizers they would have removed, so the namespace can go.
    const list = (await objects.listNamespacedCustomObject({ ...crd(namespace), plural: BATCH_SANDBOX.plural })) as { items: Sandbox[] };
    await Promise.all(
      list.items.map((bs) =>
        objects.patchNamespacedCustomObject(
          { ...crd(namespace), plural: BATCH_SANDBOX.plural, name: bs.metadata.name, body: { metadata: { finalizers: null } } },
          MERGE_PATCH,
        ),
      ),
    );
    await core.deleteNamespace({ name: namespace });
  });
  const operators = [0, 1].map(() => startOperator([...stackOperatorArgs(taskQueue), '--watch-namespace', namespace]));
  await Promise.all(operators.map(async (op) => waitForReady(op, await httpPortOf(op))));
  return { namespace, operators };
}

const crd = (namespace: string) => ({ group: GROUP, version: VERSION, namespace });

async function createPool(namespace: string, name: string, warm: number, poolMax: number) {
  const body = aPool(name, namespace).capacity({ bufferMin: warm, bufferMax: warm, poolMin: 0, poolMax }).scaleMaxUnavailable('100%').build();
  await objects.createNamespacedCustomObject({ ...crd(namespace), plural: POOL.plural, body });
  cleanups.push(() =>
    temporal.workflow
      .getHandle(poolWorkflowId(namespace, name))
      .terminate('test over')
      .then(() => {}),
  );
  await waitUntil(
    async () => {
      const pool = (await objects.getNamespacedCustomObject({ ...crd(namespace), plural: POOL.plural, name })) as {
        status?: { available?: number };
      };
      return (pool.status?.available ?? 0) >= warm;
    },
    { what: `pool ${name} warm with ${warm} pods`, timeoutMs: 90_000, intervalMs: 250 },
  );
}

/** Replicas 1, 2, 3, 1, 2, 3, ...: a mix of sizes. */
const replicasOf = (i: number) => (i % 3) + 1;

async function createSandboxes(namespace: string, pool: string, names: string[]): Promise<void> {
  await Promise.all(
    names.map((name, i) =>
      objects.createNamespacedCustomObject({
        ...crd(namespace),
        plural: BATCH_SANDBOX.plural,
        body: aBatchSandbox(name, namespace).poolRef(pool).replicas(replicasOf(i)).build(),
      }),
    ),
  );
}

const heldPods = (bs: Sandbox): string[] => {
  const annotations = bs.metadata.annotations ?? {};
  const read = (key: string) => (annotations[key] ? parseAllocationAnnotation(annotations[key]).pods : []);
  const released = new Set(read(ANNOTATIONS.allocReleased));
  return read(ANNOTATIONS.allocStatus).filter((p) => !released.has(p));
};

/**
 * Follows every BatchSandbox event of a namespace and checks the state after each one: the watch
 * delivers changes in resourceVersion order, so each checked state is one the cluster really was in.
 * client-node ends a watch after 30 s without events; it resumes from the last resourceVersion seen,
 * so no change goes unchecked (a resourceVersion too old to resume from fails the run instead).
 */
class AllocationMonitor {
  /** What went wrong, once each (a double allocation stays visible over many events). */
  readonly violations = new Set<string>();
  events = 0;
  /** Resolves on the first event that shows a sandbox holding a pod. */
  readonly firstAllocation: Promise<void>;
  private resolveFirstAllocation!: () => void;
  private readonly held = new Map<string, string[]>();
  private resourceVersion: string | undefined;
  private failure: string | undefined;
  private stopped = false;
  private request: AbortController | undefined;

  private constructor(private readonly path: string) {
    this.firstAllocation = new Promise((resolve) => (this.resolveFirstAllocation = resolve));
  }

  static async start(namespace: string): Promise<AllocationMonitor> {
    const monitor = new AllocationMonitor(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${BATCH_SANDBOX.plural}`);
    await monitor.watch();
    return monitor;
  }

  private async watch(): Promise<void> {
    this.request = await new Watch(kc).watch(
      this.path,
      this.resourceVersion === undefined ? {} : { resourceVersion: this.resourceVersion },
      (type: string, obj: Sandbox & { code?: number }) => {
        if (type === 'ERROR') this.failure ??= `the watch failed: ${JSON.stringify(obj)}`;
        else this.observe(type, obj);
      },
      () => {
        if (!this.stopped && this.failure === undefined) {
          this.watch().catch((err: unknown) => (this.failure ??= `could not resume the watch: ${String(err)}`));
        }
      },
    );
    if (this.stopped) this.request.abort();
  }

  private observe(type: string, bs: Sandbox): void {
    this.events++;
    this.resourceVersion = bs.metadata.resourceVersion;
    const name = bs.metadata.name;
    if (type === 'DELETED') {
      this.held.delete(name);
      return;
    }
    const pods = heldPods(bs);
    const before = this.held.get(name) ?? [];
    const lost = before.filter((p) => !pods.includes(p));
    if (lost.length > 0) this.violations.add(`${name} lost ${lost.join(',')} from its alloc-status`);
    if (pods.length > bs.spec.replicas) this.violations.add(`${name} holds ${pods.length} pods for ${bs.spec.replicas} replicas`);
    this.held.set(name, pods);
    if (pods.length > 0) this.resolveFirstAllocation();
    const owner = new Map<string, string>();
    for (const [sandbox, list] of this.held) {
      for (const pod of list) {
        const other = owner.get(pod);
        if (other !== undefined) this.violations.add(`${pod} is in both ${other} and ${sandbox}`);
        owner.set(pod, sandbox);
      }
    }
  }

  /** Stops watching; fails if the watch broke off (some states would have gone unchecked). */
  stop(): void {
    this.stopped = true;
    this.request?.abort();
    if (this.failure) throw new Error(this.failure);
  }
}

async function listSandboxes(namespace: string): Promise<Sandbox[]> {
  return ((await objects.listNamespacedCustomObject({ ...crd(namespace), plural: BATCH_SANDBOX.plural })) as { items: Sandbox[] }).items;
}

async function waitForDelivery(namespace: string, pool: string, count: number, timeoutMs: number, operators: OperatorProcess[]): Promise<void> {
  await waitUntil(
    async () => {
      const all = await listSandboxes(namespace);
      return all.length === count && all.every((bs) => bs.status?.allocated === bs.spec.replicas);
    },
    { what: `all ${count} sandboxes in ${namespace} delivered`, timeoutMs, intervalMs: 250 },
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await stallReport(namespace, pool, operators)}`);
  });
}

/** What a stalled delivery looks like from outside: undelivered sandboxes, the workflow, the operators' last words. */
async function stallReport(namespace: string, pool: string, operators: OperatorProcess[]): Promise<string> {
  const undelivered = (await listSandboxes(namespace))
    .filter((bs) => bs.status?.allocated !== bs.spec.replicas)
    .map((bs) => `${bs.metadata.name}: replicas ${bs.spec.replicas}, holds [${heldPods(bs).join(',')}], status ${JSON.stringify(bs.status)}`);
  const handle = temporal.workflow.getHandle(poolWorkflowId(namespace, pool));
  const description = await handle.describe().catch((e: Error) => e.message);
  const pending = typeof description === 'string' ? description : JSON.stringify(description.raw.pendingActivities ?? []);
  const progress = await handle.query(progressQuery).catch((e: Error) => e.message);
  const logTail = operators.map((op) => `operator ${op.child.pid}:${op.stdout().split('\n').slice(-40).join('\n')}${op.stderr()}`);
  return [`undelivered:\n${undelivered.join('\n')}`, `progress: ${JSON.stringify(progress)}`, `pending activities: ${pending}`, ...logTail].join('\n');
}

/** The final state: each sandbox holds exactly its replicas, no pod twice, all of them live pool pods. */
async function expectExactlyOnce(namespace: string, pool: string, count: number): Promise<void> {
  const sandboxes = await listSandboxes(namespace);
  expect(sandboxes).toHaveLength(count);
  for (const bs of sandboxes) {
    expect({ name: bs.metadata.name, held: heldPods(bs).length }).toEqual({ name: bs.metadata.name, held: bs.spec.replicas });
  }
  const handedOut = sandboxes.flatMap(heldPods);
  const wanted = sandboxes.reduce((sum, bs) => sum + bs.spec.replicas, 0);
  expect(handedOut).toHaveLength(wanted);
  expect(new Set(handedOut).size).toBe(wanted);

  const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=${pool}` });
  const poolPods = new Set(pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!));
  expect(handedOut.filter((p) => !poolPods.has(p))).toEqual([]);

  await waitUntil(
    async () => {
      const status = (
        (await objects.getNamespacedCustomObject({ ...crd(namespace), plural: POOL.plural, name: pool })) as {
          status?: { allocated?: number };
        }
      ).status;
      return status?.allocated === wanted;
    },
    { what: `pool ${pool} status.allocated = ${wanted}`, timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** The operator whose Temporal worker took the pool workflow's latest workflow task (identity pid@host). */
async function workflowHost(namespace: string, pool: string, operators: OperatorProcess[]): Promise<OperatorProcess> {
  const history = await temporal.workflow.getHandle(poolWorkflowId(namespace, pool)).fetchHistory();
  const started = (history.events ?? []).filter((e) => e.workflowTaskStartedEventAttributes);
  const identity = started.at(-1)?.workflowTaskStartedEventAttributes?.identity ?? '';
  const host = operators.find((op) => identity.startsWith(`${op.child.pid}@`));
  if (!host) throw new Error(`no operator has worker identity ${identity}`);
  return host;
}

describe('two operator processes', () => {
  it('deliver a burst of 33 sandboxes exactly once between them', async () => {
    const { namespace, operators } = await twoOperators('two-ops');
    await createPool(namespace, 'shared', 40, 200);
    const monitor = await AllocationMonitor.start(namespace);
    const names = Array.from({ length: 33 }, (_, i) => `sb-${i}`);
    await createSandboxes(namespace, 'shared', names);

    await waitForDelivery(namespace, 'shared', names.length, 120_000, operators);
    monitor.stop();
    expect([...monitor.violations]).toEqual([]);
    expect(monitor.events).toBeGreaterThanOrEqual(names.length * 2); // created, then delivered at least
    await expectExactlyOnce(namespace, 'shared', names.length);

    // Served and idle, the pool workflow waits for changes instead of chaining rounds (it used to spin
    // through empty rounds until its workflow task outgrew the gRPC limit and stalled).
    const handle = temporal.workflow.getHandle(poolWorkflowId(namespace, 'shared'));
    const before = (await handle.query<PoolProgress>(progressQuery)).rounds;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const after = (await handle.query<PoolProgress>(progressQuery)).rounds;
    expect(after - before).toBeLessThanOrEqual(5);
  }, 300_000);

  it('deliver every sandbox exactly once when the process running the pool workflow is SIGKILLed mid-burst', async () => {
    const { namespace, operators } = await twoOperators('kill-op');
    await createPool(namespace, 'shared', 10, 200);
    const monitor = await AllocationMonitor.start(namespace);
    const first = Array.from({ length: 18 }, (_, i) => `early-${i}`);
    const second = Array.from({ length: 18 }, (_, i) => `late-${i}`);

    // Mid-delivery: the moment the first alloc-status lands, the round that wrote it is most likely still
    // running (its other deliveries and status writes in flight, its workflow task not yet completed).
    const victim = await workflowHost(namespace, 'shared', operators);
    const creatingFirst = createSandboxes(namespace, 'shared', first);
    await withTimeout(monitor.firstAllocation, 60_000, 'the first allocation');
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    await withTimeout(victim.exited, 10_000, 'exit after SIGKILL');
    await creatingFirst;
    await createSandboxes(namespace, 'shared', second);

    await waitForDelivery(namespace, 'shared', first.length + second.length, 240_000, operators);
    const recoveryMs = Math.round(performance.now() - killedAt);
    monitor.stop();
    console.log(`two-operators: every sandbox delivered ${recoveryMs} ms after the SIGKILL`);
    expect([...monitor.violations]).toEqual([]);
    await expectExactlyOnce(namespace, 'shared', first.length + second.length);
    const survivor = operators.find((op) => op !== victim)!;
    expect(await workflowHost(namespace, 'shared', operators)).toBe(survivor);
  }, 400_000);
});
