// The pool workflow (workflows/pool-workflow.ts) on the stack's real Temporal dev server, over faked
// activities: an in-memory cluster (test/support/fake-pool-cluster.ts) the tests change and then signal
// the workflow about, as the watchers would. Covers a warm pool delivering, a delivery refused as stale or
// made to a sandbox that vanished, the Pool deleted or replaced by a new object under its name, and a
// run continuing as new with its ledger. What the activities do to a real cluster is for
// test/integration/pooled-batch-sandbox.test.ts and the other pool tests.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { DeliveryResult } from '../../activities/pool-activities.js';
import type { DeliveryOrder } from '../../planners/pool/delivery-plan.js';
import type { Pool, PoolStatus } from '../../api/v1alpha1/pool.js';
import { compressingCodec } from '../../kernel/payload-compression.js';
import { poolPodName } from '../../planners/pool/pool-round.js';
import { STATUS_SETTLE_MS } from '../../planners/pool/pool-status.js';
import { waitUntil } from '../../stack/wait-until.js';
import {
  poolChangedSignal,
  poolWorkflow,
  poolWorkflowId,
  progressQuery,
  POOL_WORKFLOW_TASK_TIMEOUT,
  type PoolWorkflowInput,
} from '../../workflows/pool-workflow.js';
import { aPool } from '../builders/pool.js';
import { startFakeActivityWorker, type FakeActivityWorker } from '../support/fake-activity-worker.js';
import { FakePoolCluster, routedPoolActivities, type FakePoolClusterOptions } from '../support/fake-pool-cluster.js';
import { describePoolWorkflow } from '../support/pool-workflow-diagnosis.js';
import { recordingWorkflowHistories, replayWorkflowHistory, saveWorkflowHistory } from '../support/workflow-history.js';

const POOL = 'p';

const clusters = new Map<string, FakePoolCluster>();
let runs: FakeActivityWorker;
let client: Client;

beforeAll(async () => {
  runs = await startFakeActivityWorker(
    'pool',
    routedPoolActivities((namespace) => {
      const cluster = clusters.get(namespace);
      if (!cluster) throw new Error(`no fake cluster serves namespace ${namespace}`);
      return cluster;
    }),
  );
  ({ client } = runs);
}, 120_000);

afterAll(() => runs?.stop(), 60_000);

type PoolHandle = WorkflowHandle<typeof poolWorkflow>;

/**
 * A fake cluster holding one Pool that keeps `buffer` idle pods (of at most `poolMax`), without pods yet, and the
 * pool workflow started on it (as the watchers start it).
 */
async function startPool(buffer: number, options: FakePoolClusterOptions = {}, poolMax = 20): Promise<{ cluster: FakePoolCluster; handle: PoolHandle }> {
  return startPoolWorkflow(
    (namespace) => aPool(POOL, namespace).capacity({ bufferMin: buffer, bufferMax: buffer, poolMin: 0, poolMax }).scaleMaxUnavailable('100%').build(),
    { options },
  );
}

/** A fake cluster holding the Pool `build` makes (in a namespace of its own), and the pool workflow started on it. */
async function startPoolWorkflow(
  build: (namespace: string) => Pool,
  { options = {}, workflowTaskTimeout = POOL_WORKFLOW_TASK_TIMEOUT }: { options?: FakePoolClusterOptions; workflowTaskTimeout?: Duration } = {},
): Promise<{ cluster: FakePoolCluster; handle: PoolHandle }> {
  const namespace = `pool-${randomUUID().slice(0, 8)}`;
  const cluster = new FakePoolCluster(build(namespace), options);
  clusters.set(namespace, cluster);
  const handle = await client.workflow.start(poolWorkflow, {
    taskQueue: runs.temporal.taskQueue,
    workflowId: poolWorkflowId(namespace, POOL),
    args: [{ namespace, pool: POOL }],
    workflowTaskTimeout,
    workflowExecutionTimeout: '5 minutes',
  });
  runs.track(handle);
  return { cluster, handle };
}

async function waitFor(cluster: FakePoolCluster, what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  try {
    await waitUntil(async () => probe(), { what, timeoutMs, intervalMs: 50 });
  } catch (err) {
    // Where the run stopped: its own account, and the last calls it made.
    const recent = cluster.calls
      .slice(-15)
      .map((c) => c.activity)
      .join(', ');
    const run = await describePoolWorkflow(client, cluster.namespace, POOL).catch((e: Error) => e.message);
    throw new Error(`${(err as Error).message}\nlast activity calls: ${recent}\nworkflow: ${run}`, { cause: err });
  }
}

/** Whether a status with these fields was written (at or after call `since`). */
function statusWritten(cluster: FakePoolCluster, expected: Partial<PoolStatus>, since = 0): boolean {
  return statusWrites(cluster, expected).some((c) => c.seq >= since);
}

/** The status writes with these fields, in call order. */
function statusWrites(cluster: FakePoolCluster, expected: Partial<PoolStatus>) {
  return cluster
    .callsOf('writePoolStatus')
    .filter((c) => Object.entries(expected).every(([field, value]) => (c.input.status as Record<string, unknown>)[field] === value));
}

/** Waits until the pool holds `pods` Ready idle pods (its status says so): what every case starts from. */
async function waitForWarmPool(cluster: FakePoolCluster, pods: number): Promise<void> {
  await waitFor(cluster, `a warm pool of ${pods} pods`, () => statusWritten(cluster, { total: pods, allocated: 0, available: pods }));
}

interface SandboxDelivery {
  seq: number;
  /** How many orders the call carried. */
  orders: number;
  order: DeliveryOrder;
  result: DeliveryResult | undefined;
}

/** Every delivery order for `sandbox`, in call order, with the answer of its call. */
function deliveriesTo(cluster: FakePoolCluster, sandbox: string): SandboxDelivery[] {
  return cluster
    .callsOf('deliverAllocations')
    .flatMap((call) =>
      call.input.orders.filter((o) => o.sandbox === sandbox).map((order) => ({ seq: call.seq, orders: call.input.orders.length, order, result: call.result })),
    );
}

const deliveredTo = (cluster: FakePoolCluster, sandbox: string): boolean => deliveriesTo(cluster, sandbox).some((d) => d.result?.delivered.includes(sandbox));

/** The labelling calls naming `sandbox`, each as the pods it labels. */
function labellingsOf(cluster: FakePoolCluster, sandbox: string): { seq: number; pods: string[] }[] {
  return cluster
    .callsOf('labelAllocatedPods')
    .map((c) => ({ seq: c.seq, pods: c.input.assignments.filter((a) => a.sandbox === sandbox).map((a) => a.pod) }))
    .filter((l) => l.pods.length > 0);
}

/** Pods each sandbox holds in the cluster (alloc-status minus alloc-released). */
function holdings(cluster: FakePoolCluster): Map<string, string[]> {
  return new Map(
    cluster.sandboxNames().map((name): [string, string[]] => {
      const s = cluster.sandbox(name)!;
      return [name, s.allocated.filter((p) => !s.released.includes(p))];
    }),
  );
}

/** No pod is held by two sandboxes, nor twice by one. */
function expectNoPodHandedOutTwice(cluster: FakePoolCluster): void {
  const held = [...holdings(cluster).values()].flat();
  expect(new Set(held).size).toBe(held.length);
}

describe('pool workflow (faked activities)', () => {
  it('hands Ready pods of a warm pool to a sandbox in one delivery, labels them, and gives the next sandbox other pods', async () => {
    const { cluster, handle } = await startPool(5);
    await waitForWarmPool(cluster, 5);
    const warm = cluster.podNames();

    cluster.addSandbox('a', 3);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'a labelled', () => labellingsOf(cluster, 'a').length > 0);
    // No second delivery: by the time the buffer is refilled and a round has seen it, none came.
    await waitFor(cluster, 'the buffer refilled', () => statusWritten(cluster, { total: 8, allocated: 3, available: 5 }));
    expect(cluster.callsOf('deliverAllocations')).toHaveLength(1);
    const [delivery] = deliveriesTo(cluster, 'a') as [SandboxDelivery];
    expect(delivery.orders).toBe(1);
    expect(delivery.result).toEqual({ delivered: ['a'], gone: [], stale: [] });
    const podsOfA = delivery.order.allocStatus;
    expect(new Set(podsOfA).size).toBe(3);
    expect(warm).toEqual(expect.arrayContaining(podsOfA));
    // The order carries the writes planned from those pods as observed: Ready, each with its IP.
    expect(delivery.order.status).toMatchObject({ replicas: 3, allocated: 3, ready: 3, phase: 'Succeed' });
    expect(new Set(delivery.order.endpoints).size).toBe(3);
    const [labelling, ...moreLabellings] = labellingsOf(cluster, 'a');
    expect(moreLabellings).toEqual([]);
    expect(labelling!.pods).toEqual(podsOfA);
    expect(labelling!.seq).toBeGreaterThan(delivery.seq);

    const refilled = cluster.calls.length;
    cluster.addSandbox('b', 3);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'b labelled', () => labellingsOf(cluster, 'b').length > 0);
    await waitFor(cluster, 'the buffer refilled again', () => statusWritten(cluster, { total: 11, allocated: 6, available: 5 }, refilled));
    const toB = deliveriesTo(cluster, 'b');
    expect(toB).toHaveLength(1);
    expect(deliveriesTo(cluster, 'a')).toHaveLength(1);
    const podsOfB = toB[0]!.order.allocStatus;
    expect(new Set(podsOfB).size).toBe(3);
    expect(podsOfB.filter((p) => podsOfA.includes(p))).toEqual([]);
    expect(labellingsOf(cluster, 'b').flatMap((l) => l.pods)).toEqual(podsOfB);
    expect(holdings(cluster)).toEqual(
      new Map<string, string[]>([
        ['a', podsOfA],
        ['b', podsOfB],
      ]),
    );
    expectNoPodHandedOutTwice(cluster);
    expect((await handle.query(progressQuery)).allocatedPods).toBe(6);
  });

  it('plans a delivery refused as stale again from a fresh observation, and hands the refused pods out again', async () => {
    const { cluster, handle } = await startPool(5);
    await waitForWarmPool(cluster, 5);
    // Between the round's observation and its delivery, a round of a worker that died (never recorded in
    // this run) gave 'a' one pod: the delivery's conditional write conflicts and names a pod the plan did
    // not know, so the real activity answers stale.
    let zombiePod = '';
    cluster.beforeNext('deliverAllocations', ({ orders }) => {
      zombiePod = cluster.podNames().find((p) => !orders[0]!.allocStatus.includes(p))!;
      cluster.writeAllocStatus('a', [zombiePod]);
    });
    cluster.addSandbox('a', 3);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'a delivered', () => deliveredTo(cluster, 'a'));

    const [refused, accepted] = deliveriesTo(cluster, 'a');
    expect(refused!.result).toEqual({ delivered: [], gone: [], stale: ['a'] });
    expect(accepted!.result).toEqual({ delivered: ['a'], gone: [], stale: [] });
    const refusedPods = refused!.order.allocStatus;
    // Planned from a fresh look: the pod the other writer gave 'a' is kept (and adopted as drift), and
    // the first two idle pods complete it.
    expect(accepted!.order.allocStatus).toEqual([zombiePod, refusedPods[0], refusedPods[1]]);

    // The third refused pod went back to the pool: the next sandbox gets it.
    cluster.addSandbox('b', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'b labelled', () => labellingsOf(cluster, 'b').length > 0);
    expect(deliveriesTo(cluster, 'b')[0]!.order.allocStatus).toContain(refusedPods[2]);
    // By now (a later round) nothing more went to 'a', and the other writer's pod was adopted as drift once.
    expect(deliveriesTo(cluster, 'a')).toHaveLength(2);
    expect(cluster.callsOf('recordLedgerDrift').map((c) => c.input.drift)).toEqual([[{ kind: 'untracked', pod: zombiePod, claimedBy: 'a' }]]);
    // This run labels only the pods it handed out.
    expect(labellingsOf(cluster, 'a').flatMap((l) => l.pods)).toEqual([refusedPods[0], refusedPods[1]]);
    for (const pod of refusedPods) expect([...holdings(cluster).values()].flat().filter((p) => p === pod)).toHaveLength(1);
    expectNoPodHandedOutTwice(cluster);
    expect((await handle.query(progressQuery)).allocatedPods).toBe(5);
  });

  it('gives the pods of a delivery to a sandbox that vanished meanwhile back to the pool, and delivers them to the next sandbox', async () => {
    const { cluster, handle } = await startPool(3);
    await waitForWarmPool(cluster, 3);
    const warmedUp = cluster.calls.length;
    // Its user deletes 'a' between the round's observation and its delivery; never delivered, it has no
    // finalizer and is gone at once. 'b' waits behind it: the pool has pods for one of them.
    cluster.beforeNext('deliverAllocations', () => cluster.deleteSandbox('a'));
    cluster.addSandbox('a', 3);
    cluster.addSandbox('b', 3);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the delivery to a answered', () => deliveriesTo(cluster, 'a').some((d) => d.result !== undefined));
    // The sandbox watcher's signal for the deletion.
    await handle.signal(poolChangedSignal);
    // The round that found 'a' gone plans no upkeep from its outdated allocation (patch
    // replan-after-refused-delivery; before it, that round created pods for both sandboxes and the next
    // deleted the surplus); the next round serves b with a's pods and refills the buffer. That settled
    // pool is the later event by which a second delivery would show.
    await waitFor(cluster, 'the pool settled with b served', () => statusWritten(cluster, { total: 6, allocated: 3, available: 3 }, warmedUp));
    const since = <K extends 'createPoolPods' | 'deletePoolPods'>(activity: K) => cluster.callsOf(activity).filter((c) => c.seq >= warmedUp);
    expect(since('createPoolPods').flatMap((c) => c.input.names)).toHaveLength(3);
    expect(since('deletePoolPods')).toEqual([]);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow-gone-delivery.json');

    const [toA, ...moreToA] = deliveriesTo(cluster, 'a');
    expect(moreToA).toEqual([]);
    expect(toA!.result).toEqual({ delivered: [], gone: ['a'], stale: [] });
    const [toB, ...moreToB] = deliveriesTo(cluster, 'b');
    expect(moreToB).toEqual([]);
    expect(toB!.order.allocStatus).toEqual(toA!.order.allocStatus);
    expect(labellingsOf(cluster, 'a')).toEqual([]);
    expect(labellingsOf(cluster, 'b').flatMap((l) => l.pods)).toEqual(toA!.order.allocStatus);
    expect(holdings(cluster)).toEqual(new Map<string, string[]>([['b', toA!.order.allocStatus]]));
    expect((await handle.query(progressQuery)).allocatedPods).toBe(3);
  });

  it('when its Pool is deleted, records the final release of a sandbox being deleted and ends', async () => {
    const { cluster, handle } = await startPool(2);
    await waitForWarmPool(cluster, 2);
    cluster.addSandbox('a', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'a delivered and the buffer refilled', () => statusWritten(cluster, { total: 4, allocated: 2, available: 2 }));
    const held = cluster.sandbox('a')!.allocated;
    expect(held).toHaveLength(2);

    // In one step: 'a' is being deleted (its pool-allocation finalizer holds it), and the Pool is gone
    // with its pods.
    const since = cluster.calls.length;
    cluster.deleteSandbox('a');
    expect(cluster.sandbox('a')?.deleting).toBe(true);
    cluster.deletePool();
    await handle.signal(poolChangedSignal);
    await handle.result();

    const releases = cluster
      .callsOf('recordReleases')
      .filter((c) => c.seq >= since)
      .flatMap((c) => c.input.releases);
    // Nothing to recycle or unlabel: the pods go with the Pool.
    expect(releases).toEqual([{ sandbox: 'a', pods: [...held].sort(), final: true, reused: [] }]);
    // The finalizer went, so the deletion finished.
    expect(cluster.sandbox('a')).toBeUndefined();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('fills the buffer of a Pool recreated under its name at once, never counting the pods of the old object (patch pod-writes-per-pool-object)', async () => {
    const { cluster, handle } = await startPool(2, { podsReadyOnCreate: false });
    // Right after the run created the first Pool object's pods, and before any round saw them, the Pool
    // is deleted and created again: the new object has none of them (garbage collection took them).
    let oldPods: string[] = [];
    let replacedAt = -1;
    cluster.afterNext('createPoolPods', ({ names }) => {
      oldPods = names;
      cluster.recreatePool();
      replacedAt = cluster.calls.length;
    });
    const oldUid = cluster.poolUid();
    const createsForNewPool = () => cluster.callsOf('createPoolPods').filter((c) => replacedAt >= 0 && c.seq >= replacedAt);
    // Without the patch the old object's creates count as the new one's Pending pods for 30 rounds.
    await waitFor(cluster, 'pods created for the new Pool object', () => createsForNewPool().length > 0);
    const newUid = cluster.poolUid()!;
    expect(newUid).not.toBe(oldUid);
    expect(oldPods).toHaveLength(2);
    const [create] = createsForNewPool();
    // Named for the new object, ordinals going on.
    const newPods = [poolPodName(POOL, newUid, 2), poolPodName(POOL, newUid, 3)];
    expect(create!.input.names).toEqual(newPods);
    // Promptly: the first round that saw the new object created them (at most one more round allowed).
    const roundsBetween = cluster.calls.filter((c) => c.seq > replacedAt && c.seq < create!.seq && c.activity === 'observePoolChanges').length;
    expect(roundsBetween).toBeLessThanOrEqual(2);

    cluster.makePodsReady();
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the new Pool warm', () => statusWritten(cluster, { total: 2, allocated: 0, available: 2 }, replacedAt));
    cluster.addSandbox('s', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 's delivered', () => deliveredTo(cluster, 's'));
    expect(deliveriesTo(cluster, 's')[0]!.order.allocStatus).toEqual(newPods);
    // After the replacement no call names a pod created for the old object.
    const afterwards = JSON.stringify(cluster.calls.filter((c) => c.seq >= replacedAt).map((c) => c.input));
    for (const pod of oldPods) expect(afterwards).not.toContain(`"${pod}"`);
  });

  it('forgets the pods it created for a Pool object replaced while the create ran (patch pod-writes-of-their-pool-object)', async () => {
    const { cluster, handle } = await startPool(2, { podsReadyOnCreate: false });
    // The first create is still running on the apiserver when the Pool is replaced and a round sees the
    // new object: that round has nothing to forget yet, and the create lands after it.
    let replacedAt = -1;
    let landCreate!: () => void;
    const createLands = new Promise<void>((resolve) => (landCreate = resolve));
    cluster.afterNext('createPoolPods', async () => {
      cluster.recreatePool();
      replacedAt = cluster.calls.length;
      await handle.signal(poolChangedSignal);
      await createLands;
    });
    const roundSawNewObject = () => cluster.callsOf('observePoolChanges').some((c) => replacedAt >= 0 && c.seq >= replacedAt);
    await waitFor(cluster, 'a round that saw the new Pool object while the create ran', roundSawNewObject);
    const newUid = cluster.poolUid()!;
    landCreate();

    // Without the patch the old object's two pods count as the new one's Pending pods for 30 rounds, and
    // its buffer is not filled.
    const createsForNewPool = () => cluster.callsOf('createPoolPods').filter((c) => c.seq >= replacedAt);
    await waitFor(cluster, 'pods created for the new Pool object', () => createsForNewPool().length > 0);
    expect(createsForNewPool()[0]!.input.names).toEqual([poolPodName(POOL, newUid, 2), poolPodName(POOL, newUid, 3)]);
  });

  it('continues as new once its history grows 64 KiB past its baseline, carrying the ledger: nothing allocated is handed out again', async () => {
    const { cluster, handle } = await startPool(2);
    await waitForWarmPool(cluster, 2);
    cluster.addSandbox('a', 2);
    cluster.addSandbox('b', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'a and b delivered, the buffer refilled', () => statusWritten(cluster, { allocated: 4, available: 2 }));
    const before = new Map(holdings(cluster));
    const firstRun = await growHistoryUntilContinued(cluster, handle);

    const carried = await continuedAsNewWith(firstRun);
    expect(carried.ledger).toEqual(Object.fromEntries([...before].flatMap(([sandbox, pods]) => pods.map((pod) => [pod, sandbox]))));
    expect(carried.nextOrdinal).toBe(cluster.callsOf('createPoolPods').flatMap((c) => c.input.names).length);

    // The new run serves a new sandbox from idle pods only, and delivers nothing again to the others.
    const continued = cluster.calls.length;
    cluster.addSandbox('c', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'c delivered', () => deliveredTo(cluster, 'c'));
    await waitFor(cluster, 'the buffer refilled after c', () => statusWritten(cluster, { allocated: 6, available: 2 }, continued));
    const deliveredSince = cluster
      .callsOf('deliverAllocations')
      .filter((c) => c.seq >= continued)
      .flatMap((c) => c.input.orders.map((o) => o.sandbox));
    expect(deliveredSince).toEqual(['c']);
    const podsOfC = deliveriesTo(cluster, 'c')[0]!.order.allocStatus;
    expect(podsOfC.filter((p) => [...before.values()].flat().includes(p))).toEqual([]);
    expect(holdings(cluster)).toEqual(new Map<string, string[]>([...before, ['c', podsOfC]]));
    expectNoPodHandedOutTwice(cluster);
    expect((await handle.query(progressQuery)).allocatedPods).toBe(6);
  });
  it('holds the buffer refill while a burst goes on, counting the sandboxes served over the rounds of one step (patch refill-hold-burst-across-rounds)', async () => {
    const { cluster, handle } = await startPool(12, {}, 40);
    await waitForWarmPool(cluster, 12);
    const created = () => cluster.callsOf('createPoolPods').flatMap((c) => c.input.names);
    const allDelivered = (names: string[]) => names.every((name) => deliveredTo(cluster, name));
    const firstPart = ['a0', 'a1', 'a2', 'a3', 'a4'];
    const secondPart = ['b0', 'b1', 'b2', 'b3', 'b4'];
    // Five sandboxes, one round: too few to start a hold, so that round refills them.
    for (const name of firstPart) cluster.addSandbox(name, 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the first five delivered', () => allDelivered(firstPart));
    const firstDeliveredAt = performance.now();
    // Five more in the next round, within the same step: ten served in it start the hold.
    for (const name of secondPart) cluster.addSandbox(name, 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the next five delivered', () => allDelivered(secondPart));
    const secondDeliveredAt = performance.now();
    expect(cluster.callsOf('deliverAllocations').filter((c) => c.result?.delivered.length)).toHaveLength(2);
    // The refill for the second part waits for a step without deliveries: it comes a second or more later.
    await waitFor(cluster, 'the buffer refilled after the hold', () => created().length === 12 + 10);
    const refilledAt = performance.now();
    // Both parts in one step (1 s) is what this case is about.
    expect(secondDeliveredAt - firstDeliveredAt).toBeLessThan(1_000);
    expect(refilledAt - secondDeliveredAt).toBeGreaterThanOrEqual(700);
    expect(cluster.callsOf('createPoolPods').map((c) => c.input.names.length)).toEqual([12, 5, 5]);
    expectNoPodHandedOutTwice(cluster);
  });

  it('labels the pods a burst hands out once its refill hold ends, in one call (patch labels-after-burst)', async () => {
    const { cluster, handle } = await startPool(12, {}, 40);
    await waitForWarmPool(cluster, 12);
    const burst = Array.from({ length: 10 }, (_, i) => `s${i}`);
    for (const name of burst) cluster.addSandbox(name, 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the burst delivered', () => burst.every((name) => deliveredTo(cluster, name)));
    const deliveredAt = performance.now();
    await waitFor(cluster, 'the burst labelled', () => burst.every((name) => labellingsOf(cluster, name).length > 0));
    // The hold ends a step (1 s) after the last delivery; the round that refills labels them all at once.
    expect(performance.now() - deliveredAt).toBeGreaterThanOrEqual(700);
    const labelCalls = cluster.callsOf('labelAllocatedPods');
    expect(labelCalls).toHaveLength(1);
    expect(labelCalls[0]!.input.assignments.map((a) => a.sandbox).sort()).toEqual([...burst].sort());
    for (const name of burst) expect(labellingsOf(cluster, name)[0]!.pods).toEqual(deliveriesTo(cluster, name)[0]!.order.allocStatus);
    await waitFor(cluster, 'the buffer refilled', () => cluster.callsOf('createPoolPods').length === 2);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow-labels-after-burst.json');
  });

  it('writes the labels it holds for a burst before it continues as new (patch labels-after-burst)', async () => {
    const { cluster, handle } = await startPool(12, {}, 40);
    await waitForWarmPool(cluster, 12);
    const burst = Array.from({ length: 10 }, (_, i) => `s${i}`);
    // Others' waiting sandboxes keep the hold (and the labels) past the rounds that grow the history.
    cluster.setWaitingInOtherPools(50);
    for (const name of burst) cluster.addSandbox(name, 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the burst delivered', () => burst.every((name) => deliveredTo(cluster, name)));
    expect(cluster.callsOf('labelAllocatedPods')).toEqual([]);
    const firstRun = await growHistoryUntilContinued(cluster, handle);
    await waitFor(cluster, 'the burst labelled', () => burst.every((name) => labellingsOf(cluster, name).length > 0));
    // By the run that held them, before it continued (the next run knows nothing of them), and still holding
    // its refill then: that run created no pods after the warm-up.
    const scheduled = ((await firstRun.fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled.filter((name) => name === 'labelAllocatedPods')).toHaveLength(1);
    expect(scheduled.filter((name) => name === 'createPoolPods')).toHaveLength(1);
  });

  it('keeps holding the buffer refill while a burst still waits in other pools, and refills once it is served (patch refill-hold-while-other-pools-wait)', async () => {
    const { cluster, handle } = await startPool(12, {}, 40);
    await waitForWarmPool(cluster, 12);
    const created = () => cluster.callsOf('createPoolPods').flatMap((c) => c.input.names);
    const burst = Array.from({ length: 10 }, (_, i) => `s${i}`);
    // Ten sandboxes served at once start a hold; fifty more wait in the namespace's other pools.
    cluster.setWaitingInOtherPools(50);
    for (const name of burst) cluster.addSandbox(name, 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the burst delivered', () => burst.every((name) => deliveredTo(cluster, name)));
    // Its own deliveries are over: alone, the pool would refill a step (1 s) later. The others' burst holds it.
    await delay(3_000);
    expect(created()).toHaveLength(12);
    const servedElsewhere = cluster.calls.length;
    cluster.setWaitingInOtherPools(0);
    // No signal: the hold's own rounds look at the other pools again.
    await waitFor(cluster, 'the buffer refilled once the other pools are served', () => created().length === 22, 10_000);
    expect(cluster.callsOf('createPoolPods').at(-1)!.seq).toBeGreaterThan(servedElsewhere);
    expectNoPodHandedOutTwice(cluster);
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow-hold-while-other-pools-wait.json');
  });

  it('replays a run whose status write ended while an observation outlived its workflow tasks (patch upkeep-dated-by-round)', async () => {
    // A short task timeout: the SDK heartbeats a local activity's workflow task at 80% of it, so the slow
    // observation below spans several tasks within a few seconds.
    const { cluster, handle } = await startPoolWorkflow(
      (namespace) => aPool(POOL, namespace).capacity({ bufferMin: 0, bufferMax: 0, poolMin: 1, poolMax: 1 }).build(),
      { workflowTaskTimeout: '2 seconds' },
    );
    await waitForWarmPool(cluster, 1);
    const warm = statusWrites(cluster, { total: 1, allocated: 0, available: 1 })[0]!.input.status as PoolStatus;
    // The upkeep after the delivery writes only the status. While that write runs, the next round starts
    // and its observation takes longer than the status settle (5 s) after the write's end; meanwhile
    // another writer puts the old status back, so that observation finds the written status replaced.
    cluster.beforeNext('writePoolStatus', async () => {
      cluster.beforeNext('observePoolChanges', () => delay(STATUS_SETTLE_MS + 4_000));
      await handle.signal(poolChangedSignal);
      await delay(2_500);
    });
    cluster.afterNext('writePoolStatus', () => cluster.replacePoolStatus(warm));
    cluster.addSandbox('a', 1);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the replaced status written again', () => statusWrites(cluster, { total: 1, allocated: 1, available: 0 }).length >= 2, 60_000);
    // The original wrote the status again; a replay must make the same decision (it did not when the
    // write's end was stamped with the clock of the activation that brought it: replay merges that
    // activation with the observation's).
    expect(await replayWorkflowHistory(handle.workflowId)).toContain('replayed');
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow-status-write-during-heartbeat.json');
  }, 90_000);

  it('continues as new carrying the pod creates its observation did not show yet: the next run does not create them again', async () => {
    const { cluster, handle } = await startPool(2);
    await waitForWarmPool(cluster, 2);
    const created = () => cluster.callsOf('createPoolPods').flatMap((c) => c.input.names);
    // The refill after a's delivery lands, but the (cached) observations do not show it for a while.
    cluster.withholdNewPods();
    cluster.addSandbox('a', 2);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'a delivered and the buffer refilled', () => deliveredTo(cluster, 'a') && created().length === 4);
    const firstRun = await growHistoryUntilContinued(cluster, handle);

    const refill = created().slice(2);
    const carried = await continuedAsNewWith(firstRun);
    expect(Object.keys(carried.podWrites?.writes.created ?? {}).sort()).toEqual([...refill].sort());
    expect(carried.podWrites?.of).toBe(cluster.poolUid());
    // The next run's rounds count those pods as on their way: no pod is created again for the buffer.
    for (let i = 0; i < 3; i++) {
      const { rounds } = await handle.query(progressQuery);
      await handle.signal(poolChangedSignal);
      await waitFor(cluster, `round ${i} of the next run done`, async () => {
        const progress = await handle.query(progressQuery);
        return progress.rounds > rounds && progress.step === 'waiting for changes';
      });
    }
    expect(created()).toHaveLength(4);
    const since = cluster.calls.length;
    expect(cluster.revealPods()).toEqual(refill);
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, 'the refill seen as the buffer', () => statusWritten(cluster, { total: 4, allocated: 2, available: 2 }, since));
    expect(created()).toHaveLength(4);
    // The run that started with the carried writes (the latest run of the workflow).
    if (recordingWorkflowHistories()) saveWorkflowHistory(handle.workflowId, 'pool-workflow-carried-pod-writes.json');
  });
});

/**
 * Grows the current run's history until it continues as new, and returns that run. Each round records what
 * changed, and a Pool that changed whole: a Pool carrying a large annotation (kubectl apply's
 * last-applied-configuration of a big template, say) changed every round adds ~16 KB of history a round.
 * Random, so that no compression makes it small. Each round is let finish before the next change, so the
 * round that finds the run due has the quiet moment it continues in.
 */
async function growHistoryUntilContinued(cluster: FakePoolCluster, handle: PoolHandle): Promise<WorkflowHandle> {
  const firstRunId = (await handle.describe()).runId;
  const firstRun = client.workflow.getHandle(handle.workflowId, firstRunId);
  const annotation = 'kubectl.kubernetes.io/last-applied-configuration';
  const firstRunGoesOn = async () => (await firstRun.describe()).status.name === 'RUNNING';
  for (let i = 0; i < 20 && (await firstRunGoesOn()); i++) {
    const { rounds } = await firstRun.query(progressQuery);
    cluster.annotatePool(annotation, randomBytes(12 * 1024).toString('base64'));
    await handle.signal(poolChangedSignal);
    await waitFor(cluster, `round ${i} of history growth done`, async () => {
      if (!(await firstRunGoesOn())) return true;
      const progress = await firstRun.query(progressQuery);
      return progress.rounds > rounds && progress.step === 'waiting for changes';
    });
  }
  expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
  // The next run's first observation records the Pool whole once more; from now on it stays small.
  cluster.annotatePool(annotation, undefined);
  await handle.signal(poolChangedSignal);
  expect((await handle.describe()).runId).not.toBe(firstRunId);
  return firstRun;
}

/** The input a run continued as new with, read from the end of its history. */
async function continuedAsNewWith(run: WorkflowHandle): Promise<PoolWorkflowInput> {
  const { events } = await run.fetchHistory();
  const attributes = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
  if (!attributes) throw new Error(`run ${run.workflowId} did not end by continuing as new`);
  // Payloads from 32 KiB on are stored compressed (kernel/payload-compression.ts).
  const [input] = await compressingCodec().decode(attributes.input?.payloads ?? []);
  return JSON.parse(new TextDecoder().decode(input?.data ?? undefined)) as PoolWorkflowInput;
}
