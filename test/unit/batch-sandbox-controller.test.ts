// The BatchSandbox controller against fake informers and a recording fake apiserver: the exact writes a
// reconcile makes (anchors #11), pooled and non-pooled, expiry timers, bad objects, conflicts and a cache
// that lags behind the controller's own writes.
import { describe, expect, it } from '@jest/globals';
import { ApiException, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { Pool } from '../../api/v1alpha1/pool.js';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../../api/v1alpha1/contract.js';
import type { EventRecorder } from '../../kernel/events.js';
import { createLogger } from '../../kernel/logger.js';
import { resourceBalanceScorer } from '../../planners/auto-assign/pool-assign-scorers.js';
import { BatchSandboxController, type BatchSandboxControllerOptions } from '../../watchers/batch-sandbox-controller.js';
import type { LifecycleWorkflows } from '../../watchers/lifecycle-workflows.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { aPod } from '../builders/pod.js';
import { aPool } from '../builders/pool.js';
import { fakeBatchSandboxApi } from '../support/fake-batch-sandbox-api.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { FakeInformer } from '../support/fake-informer.js';

function setup(options: Pick<BatchSandboxControllerOptions, 'assignProfile' | 'tasks' | 'lifecycle'> = {}) {
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const api = fakeBatchSandboxApi();
  const sandboxes = new FakeInformer<KubernetesObject>();
  const pods = new FakeInformer<V1Pod>();
  const pools = new FakeInformer<KubernetesObject>();
  const snapshots = new FakeInformer<KubernetesObject>();
  const events: { type: string; reason: string; message: string; name: string }[] = [];
  const recorder: EventRecorder = {
    record: (object, type, reason, message) => void events.push({ type, reason, message, name: object.metadata.name }),
  };
  const controller = new BatchSandboxController({
    informers: { batchSandboxes: sandboxes, pods, pools, sandboxSnapshots: snapshots },
    customObjects: api.customObjects,
    core: api.core,
    events: recorder,
    log: createLogger('silent'),
    clock,
    ...options,
  });
  controller.start();
  return {
    clock,
    api,
    pods,
    events,
    controller,
    pools,
    snapshots,
    /** A client writes the sandbox; the watch delivers it. */
    async apply(bs: BatchSandbox) {
      sandboxes.deliver(api.put(bs));
      await settle();
    },
    /** The watch catches up with the apiserver's copy. */
    async sync(name: string) {
      sandboxes.deliver(structuredClone(api.get(name)));
      await settle();
    },
    async pod(pod: V1Pod) {
      pods.deliver(pod);
      await settle();
    },
    async pool(pool: Pool | string) {
      pools.deliver(typeof pool === 'string' ? aPool(pool, 'ns').build() : pool);
      await settle();
    },
    verbs: () => api.writes.map((w) => `${w.verb} ${w.name}`),
  };
}

const nonPooled = (replicas: number) => aBatchSandbox('bs', 'ns').replicas(replicas).template();
const ownPod = (bs: BatchSandbox, i: number) =>
  aPod(`bs-${i}`, 'ns')
    .label(LABELS.podIndex, String(i))
    .controlledBy(bs)
    .ready(`10.0.0.${i + 1}`)
    .build();

describe('BatchSandboxController, non-pooled', () => {
  it('creates the missing pods and writes no status before the first pod exists', async () => {
    const t = setup();
    await t.apply(nonPooled(2).build());
    expect(t.verbs()).toEqual(['create pod bs-0', 'create pod bs-1']);
    expect(t.events.map((e) => `${e.type} ${e.reason} ${e.message}`)).toEqual([
      'Normal SuccessfulCreate succeed to create pod bs-0',
      'Normal SuccessfulCreate succeed to create pod bs-1',
    ]);
  });

  it('writes endpoints then status once the pods are ready, and nothing more while the cache lags or after', async () => {
    const t = setup();
    const bs = nonPooled(2).build();
    await t.apply(bs);
    t.api.writes.length = 0;
    await t.pod(ownPod(bs, 0));
    await t.pod(ownPod(bs, 1));
    // bs-1 is created again (the fake apiserver does not feed the pod cache); a real one answers AlreadyExists.
    expect(t.verbs()).toEqual(['create pod bs-1', 'patch metadata bs', 'patch status bs', 'patch metadata bs', 'patch status bs']);
    const stored = t.api.get('bs');
    expect(stored.metadata.annotations[ANNOTATIONS.endpoints]).toBe('["10.0.0.1","10.0.0.2"]');
    expect(stored.status).toMatchObject({ replicas: 2, allocated: 2, ready: 2, phase: 'Succeed', observedGeneration: 1 });
    // The cache has not seen these writes yet: another pod event must not repeat them; nor does catching up.
    const written = t.api.writes.length;
    await t.pod(ownPod(bs, 1));
    await t.sync('bs');
    expect(t.api.writes).toHaveLength(written);
  });

  it('guards every write with the resourceVersion it was computed from, and retries a conflict', async () => {
    const t = setup();
    const bs = nonPooled(1).build();
    await t.apply(bs);
    t.api.writes.length = 0;
    t.api.failNext.patch = new ApiException(409, 'conflict', '{}', {});
    await t.pod(ownPod(bs, 0));
    expect(t.api.writes[0]!.body!.metadata.resourceVersion).toBe(t.api.get('bs').metadata.resourceVersion);
    await t.clock.advance(5);
    expect(t.verbs()).toEqual(['patch metadata bs', 'patch metadata bs', 'patch status bs']);
  });

  it('scales down from the highest index, with a uid precondition on each delete', async () => {
    const t = setup();
    const bs = nonPooled(3).build();
    for (const i of [0, 1, 2]) t.pods.deliver(ownPod(bs, i));
    await t.apply(aBatchSandbox('bs', 'ns').replicas(1).template().build());
    expect(t.verbs().filter((v) => v.startsWith('delete'))).toEqual(['delete pod bs-2', 'delete pod bs-1']);
    expect(t.api.writes.find((w) => w.verb === 'delete pod')!.body).toEqual({ preconditions: { uid: 'uid-bs-2' } });
    expect(t.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message)).toEqual(['succeed to delete pod bs-2', 'succeed to delete pod bs-1']);
  });

  it('reports a failed create, still writes the status of the pods that exist, and retries with backoff', async () => {
    const t = setup();
    const bs = nonPooled(2).build();
    t.pods.deliver(ownPod(bs, 0));
    t.api.failNext.createPod = new ApiException(403, 'forbidden', '{"message":"pods is forbidden: quota"}', {});
    await t.apply(bs);
    expect(t.verbs()).toEqual(['create pod bs-1', 'patch metadata bs', 'patch status bs']);
    expect(t.events).toContainEqual({
      type: 'Warning',
      reason: 'FailedCreate',
      message: 'failed to create pod bs-1: pods is forbidden: quota',
      name: 'bs',
    });
    // Said on the sandbox too (issue 13), not only in Events.
    expect(t.api.get('bs').status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'FailedCreate', message: 'pod bs-1 cannot be created: pods is forbidden: quota' }),
    );
    expect(t.clock.pendingDelays()).toEqual([5]);
    const before = t.verbs().length;
    await t.clock.advance(5);
    // Created now: the problem goes with the status written right after.
    expect(t.verbs().slice(before)).toEqual(['create pod bs-1', 'patch status bs']);
    expect(t.api.get('bs').status.conditions.map((c: { reason: string }) => c.reason)).not.toContain('FailedCreate');
  });

  it('names the bad field of a sandbox that does not parse on its status and in an Event, once per version, and serves the others', async () => {
    const t = setup();
    const bad = nonPooled(1).build();
    bad.metadata.name = 'bad';
    bad.spec.replicas = 2 ** 31;
    await t.apply(bad);
    await t.pod(aPod('bad-0', 'ns').label(LABELS.batchSandboxName, 'bad').build());
    await t.apply(nonPooled(1).build());
    const message = 'spec.replicas: Too big: expected number to be <=2147483647; the sandbox is served once the spec is fixed';
    expect(t.events.filter((e) => e.type === 'Warning')).toEqual([{ type: 'Warning', reason: 'InvalidSpec', message, name: 'bad' }]);
    expect(t.api.get('bad').status).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'Progressing', status: 'True', reason: 'InvalidSpec', message }],
    });
    // Its own status write changes nothing more: written once.
    expect(t.verbs()).toEqual(['patch status bad', 'create pod bs-0']);
  });

  it('reports a shard patch that cannot be applied and creates the pods before it', async () => {
    const t = setup();
    await t.apply(
      nonPooled(2)
        .shardPatches([{}, { spec: { containers: [{ image: 'x' }] } }])
        .build(),
    );
    expect(t.verbs()).toEqual(['create pod bs-0']);
    expect(t.events).toContainEqual({
      type: 'Warning',
      reason: 'InvalidSpec',
      message: 'spec.shardPatches[1]: spec.containers: list item has no merge key name',
      name: 'bs',
    });
  });
});

describe('BatchSandboxController, tasks', () => {
  const withTask = () => nonPooled(1).tasks({ spec: { process: { command: ['true'] } } });
  const recordingTasks = () => {
    const signalled: string[] = [];
    return { signalled, tasks: { sandboxChanged: async (ref: { name: string }) => void signalled.push(ref.name) } };
  };

  it('adds the task-cleanup finalizer first, then wakes the tasks workflow once per change of spec, phase, pods or IPs', async () => {
    const { signalled, tasks } = recordingTasks();
    const t = setup({ tasks });
    const bs = withTask().build();
    await t.apply(bs);
    expect(t.verbs()).toEqual(['patch metadata bs']);
    expect(t.api.get('bs').metadata.finalizers).toEqual([FINALIZERS.taskCleanup]);
    expect(signalled).toEqual([]);

    await t.sync('bs');
    expect(signalled).toEqual(['bs']);
    expect(t.verbs()).toContain('create pod bs-0');
    // Nothing it acts on changed: no signal.
    await t.sync('bs');
    expect(signalled).toEqual(['bs']);
    // The pod and its IP, then the status that follows (phase Succeed): each wakes it.
    await t.pod(ownPod(bs, 0));
    await t.sync('bs');
    expect(signalled.length).toBeGreaterThanOrEqual(2);
    const settled = signalled.length;
    // A write of the task counters alone changes none of it.
    const counted = structuredClone(t.api.get('bs'));
    counted.status.taskSucceed = 1;
    counted.metadata.resourceVersion = '999';
    await t.apply(counted as BatchSandbox);
    expect(signalled).toHaveLength(settled);
  });

  it('wakes the workflow of a deleting sandbox that still has the finalizer, and neither adds it nor signals without a task template', async () => {
    const { signalled, tasks } = recordingTasks();
    const t = setup({ tasks });
    await t.apply(withTask().finalizers([FINALIZERS.taskCleanup]).build());
    const before = signalled.length;
    const deleting = structuredClone(t.api.get('bs'));
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    await t.apply(deleting as BatchSandbox);
    expect(signalled).toHaveLength(before + 1);

    const plain = setup({ tasks: recordingTasks().tasks });
    await plain.apply(nonPooled(1).build());
    expect(plain.api.get('bs').metadata.finalizers).toBeUndefined();
  });
});

describe('BatchSandboxController, expiry', () => {
  it('deletes an expired sandbox (uid precondition) and does nothing else', async () => {
    const t = setup();
    await t.apply(nonPooled(2).expireTime('2025-12-31T23:59:59.999999+00:00').build());
    expect(t.api.writes).toEqual([{ verb: 'delete sandbox', name: 'bs', body: { preconditions: { uid: 'uid-bs' } } }]);
    expect(t.events).toEqual([
      {
        type: 'Normal',
        reason: 'Expired',
        message: 'expireTime 2025-12-31T23:59:59.999999+00:00 has passed: deleting the BatchSandbox',
        name: 'bs',
      },
    ]);
  });

  it('arms a timer for a future expiry, follows a renewal, and deletes when the time comes', async () => {
    const t = setup();
    await t.apply(nonPooled(0).expireTime('2026-01-01T00:01:00+00:00').build());
    expect(t.clock.pendingDelays()).toEqual([60_000]);
    await t.apply(nonPooled(0).expireTime('2026-01-01T01:00:00+00:00').build());
    await t.clock.advance(60_000); // the old deadline wakes the key, which re-arms the renewed one
    expect(t.verbs().filter((v) => v.startsWith('delete'))).toEqual([]);
    expect(t.clock.pendingDelays()).toEqual([3_540_000]);
    await t.clock.advance(3_540_000);
    expect(t.verbs().filter((v) => v.startsWith('delete'))).toEqual(['delete sandbox bs']);
  });
});

describe('BatchSandboxController, pooled', () => {
  const pooled = () => aBatchSandbox('bs', 'ns').replicas(2).poolRef('pool');
  const poolPod = (name: string, ip: string) => aPod(name, 'ns').inPool('pool').label(LABELS.batchSandboxName, 'bs').ready(ip).build();

  it('reports the pods of alloc-status minus alloc-release, in alloc-status order, and follows their events', async () => {
    const t = setup();
    await t.pool('pool');
    for (const i of [1, 2, 3]) t.pods.deliver(poolPod(`p${i}`, `10.0.0.${i}`));
    // As after the pool's delivery: alloc-status and a first status, which now needs refreshing.
    await t.apply(pooled().allocated(['p3', 'p2', 'p1']).releaseRequested(['p2']).status({ phase: 'Pending', replicas: 3 }).build());
    expect(t.verbs()).toEqual(['patch metadata bs', 'patch status bs']);
    expect(t.api.get('bs').metadata.annotations[ANNOTATIONS.endpoints]).toBe('["10.0.0.3","10.0.0.1"]');
    expect(t.api.get('bs').status).toMatchObject({ replicas: 2, ready: 2, phase: 'Succeed' });
    // A pooled pod losing readiness reaches its sandbox through the batch-sandbox name label.
    await t.pod(aPod('p1', 'ns').inPool('pool').label(LABELS.batchSandboxName, 'bs').onNode('n').build());
    expect(t.api.get('bs').status).toMatchObject({ replicas: 2, ready: 1 });
  });

  it('leaves the first status to the pool delivery: alloc-status without a status phase, no write', async () => {
    const t = setup();
    await t.pool('pool');
    t.pods.deliver(poolPod('p1', '10.0.0.1'));
    await t.apply(pooled().allocated(['p1']).build());
    expect(t.verbs()).toEqual([]);
  });

  it('waits for the pool to deliver: no alloc-status, no write', async () => {
    const t = setup();
    await t.pool('pool');
    await t.apply(pooled().build());
    expect(t.api.writes).toEqual([]);
  });

  it('reports a malformed allocation annotation as Progressing/AllocationAnnotationInvalid and one Warning Event, and writes nothing else', async () => {
    const t = setup();
    await t.pool('pool');
    await t.apply(pooled().annotation(ANNOTATIONS.allocStatus, '{invalid json missing closing brace').build());
    await t.sync('bs');
    await t.pod(poolPod('p1', '10.0.0.1'));
    expect(t.verbs()).toEqual(['patch status bs']);
    const conditions = t.api.get('bs').status.conditions;
    expect(conditions).toEqual([expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'AllocationAnnotationInvalid' })]);
    expect(conditions[0].message).toMatch(/^sandbox\.opensandbox\.io\/alloc-status: not JSON: /);
    expect(t.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'AllocationAnnotationInvalid' })]);
  });

  it('reports a missing pool as Progressing/PoolNotFound and one Warning Event, and clears it when the pool appears', async () => {
    const t = setup();
    await t.apply(pooled().build());
    await t.sync('bs');
    expect(t.verbs()).toEqual(['patch status bs']);
    expect(t.api.get('bs').status).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'Progressing', status: 'True', reason: 'PoolNotFound', message: expect.stringContaining('Pool ns/pool does not exist') }],
    });
    expect(t.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'PoolNotFound', name: 'bs' })]);
    await t.pool('pool');
    await t.sync('bs');
    expect(t.verbs()).toEqual(['patch status bs', 'patch status bs']);
    expect(t.api.get('bs').status.conditions).toEqual([]);
    expect(t.events).toHaveLength(1);
  });

  it('does not call a pool missing before the pool cache has its first list', async () => {
    const t = setup();
    t.pools.synced = false;
    await t.apply(pooled().build());
    expect(t.api.writes).toEqual([]);
    expect(t.events).toEqual([]);
  });

  it('reports PoolNotFound on a delivered sandbox whose pool went away, beside its runtime status', async () => {
    const t = setup();
    t.pods.deliver(poolPod('p1', '10.0.0.1'));
    await t.apply(pooled().allocated(['p1']).status({ phase: 'Pending', replicas: 1 }).build());
    expect(t.api.get('bs').status).toMatchObject({
      phase: 'Succeed',
      conditions: [expect.objectContaining({ type: 'Ready' }), expect.objectContaining({ type: 'Progressing', reason: 'PoolNotFound' })],
    });
  });
});

describe('BatchSandboxController, auto-assign (poolRef "*")', () => {
  const star = () => aBatchSandbox('bs', 'ns').poolRef('*');

  it('resolves "*" to the chosen pool in one merge patch guarded by resourceVersion, then serves it as pooled', async () => {
    const t = setup();
    await t.pool(aPool('b', 'ns').build());
    await t.pool(aPool('a', 'ns').build());
    await t.apply(star().replicas(2).build());
    const rv = t.api.writes[0]?.body?.metadata.resourceVersion;
    expect(t.api.writes).toEqual([{ verb: 'patch metadata', name: 'bs', body: { metadata: { resourceVersion: rv }, spec: { poolRef: 'a' } } }]);
    expect(t.api.get('bs').spec).toEqual({ replicas: 2, poolRef: 'a' });
    expect(t.events).toEqual([{ type: 'Normal', reason: 'PoolAssigned', message: 'assigned to pool a', name: 'bs' }]);
    // The resolved sandbox waits for the pool's delivery like any pooled one: nothing more to write.
    await t.sync('bs');
    expect(t.api.writes).toHaveLength(1);
  });

  it('removes the template that served to choose the pool in the same write (spec §10 B3: otherwise never allocated)', async () => {
    const t = setup();
    await t.pool(aPool('busybox', 'ns').image('busybox:1.36').build());
    await t.pool(aPool('match', 'ns').image('sandbox:1').build());
    await t.apply(star().template().build());
    expect(t.api.writes.map((w) => w.body?.spec)).toEqual([{ poolRef: 'match', template: null }]);
    expect(t.api.get('bs').spec).toEqual({ replicas: 1, poolRef: 'match' });
    expect(t.events.map((e) => e.message)).toEqual(['assigned to pool match; spec.template served only to choose it and was removed']);
  });

  it('with no eligible pool: one Warning and a status condition saying why, and a Pool event retries it', async () => {
    const t = setup();
    await t.pool(aPool('other', 'ns').image('busybox:1.36').build());
    await t.apply(star().template().build());
    await t.pool(aPool('elsewhere', 'ns2').image('sandbox:1').build());
    await t.sync('bs');
    const why = 'no eligible pool found for BatchSandbox bs: no Pool qualifies: other (image: the pool runs none of sandbox:1)';
    const message = `${why}; assigned once a Pool fits`;
    expect(t.events).toEqual([{ type: 'Warning', reason: 'NoEligiblePool', message, name: 'bs' }]);
    expect(t.verbs()).toEqual(['patch status bs']);
    expect(t.api.get('bs').status).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NoEligiblePool', message }],
    });
    await t.pool(aPool('match', 'ns').image('sandbox:1').build());
    expect(t.api.writes.map((w) => w.body?.spec).filter(Boolean)).toEqual([{ poolRef: 'match', template: null }]);
  });

  it('chooses with the profile in force (a configured MostAllocated instead of the default LeastAllocated)', async () => {
    const withStatus = (name: string, allocated: number) => {
      const pool = aPool(name, 'ns').build();
      pool.status = { revision: 'r', total: 4, allocated, available: 4 - allocated };
      return pool;
    };
    const pack = { name: 'default', predicates: [], scorers: [{ scorer: resourceBalanceScorer('MostAllocated'), weight: 1 }] };
    const t = setup({ assignProfile: () => pack });
    await t.pool(withStatus('empty', 0));
    await t.pool(withStatus('full', 3));
    await t.apply(star().build());
    expect(t.api.get('bs').spec.poolRef).toBe('full');
    const u = setup();
    await u.pool(withStatus('empty', 0));
    await u.pool(withStatus('full', 3));
    await u.apply(star().build());
    expect(u.api.get('bs').spec.poolRef).toBe('empty');
  });

  it('reports an empty namespace as such', async () => {
    const t = setup();
    await t.apply(star().build());
    expect(t.events.map((e) => `${e.reason} ${e.message}`)).toEqual([
      'NoEligiblePool no eligible pool found for BatchSandbox bs: there is no Pool in namespace ns; assigned once a Pool fits',
    ]);
  });

  it('retries a conflicting write once the cache has caught up', async () => {
    const t = setup();
    await t.pool(aPool('a', 'ns').build());
    t.api.failNext.patch = new ApiException(409, 'conflict', '{"message":"the object has been modified"}', {});
    await t.apply(star().build());
    expect(t.api.get('bs').spec.poolRef).toBe('*');
    await t.clock.advance(5);
    expect(t.api.get('bs').spec.poolRef).toBe('a');
  });

  it('expires an expired "*" sandbox instead of assigning it, and leaves a deleting one alone', async () => {
    const t = setup();
    await t.pool(aPool('a', 'ns').build());
    await t.apply(star().expireTime('2020-01-01T00:00:00Z').build());
    expect(t.verbs()).toEqual(['delete sandbox bs']);
    const u = setup();
    await u.pool(aPool('a', 'ns').build());
    await u.apply(star().deleting().build());
    expect(u.api.writes).toEqual([]);
  });
});

describe('BatchSandboxController, pause intent', () => {
  it('answers a resume only once the SandboxSnapshot cache has synced: no SnapshotNotFound from a half-filled cache', async () => {
    const resumes: number[] = [];
    const lifecycle = {
      startResume: async (_ref: unknown, generation: number) => void resumes.push(generation),
    } as unknown as LifecycleWorkflows;
    const t = setup({ lifecycle });
    t.snapshots.synced = false;
    const paused = aBatchSandbox('bs', 'ns').template().generation(6).pause(false).status({ phase: 'Paused', pauseObservedGeneration: 5 }).build();
    await t.apply(paused);
    await t.clock.advance(100);
    expect(t.api.writes).toEqual([]);
    expect(t.events).toEqual([]);
    expect(resumes).toEqual([]);

    // The first list arrives, holding the snapshot; the retry starts the resume.
    t.snapshots.deliver(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 5).succeeded().build());
    t.snapshots.synced = true;
    await t.clock.advance(60_000);
    expect(resumes).toEqual([6]);
    expect(t.api.writes).toEqual([]);
  });

  it("decides a resume refused for its snapshots again on the apiserver's: the snapshot cache may lag the sandbox's", async () => {
    const resumes: number[] = [];
    const lifecycle = { startResume: async (_ref: unknown, generation: number) => void resumes.push(generation) } as unknown as LifecycleWorkflows;
    const t = setup({ lifecycle });
    const paused = aBatchSandbox('bs', 'ns').template().generation(6).pause(false).status({ phase: 'Paused', pauseObservedGeneration: 5 }).build();
    // The cache still shows the snapshot as the pause created it; the apiserver has it Succeed.
    t.snapshots.deliver(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 5).build());
    t.api.snapshots.push(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 5).succeeded().build());
    await t.apply(paused);
    expect(resumes).toEqual([6]);
    expect(t.api.writes).toEqual([]);
    expect(t.events).toEqual([]);

    // Not ready on the apiserver too: refused, and said so.
    const u = setup({ lifecycle });
    u.snapshots.deliver(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 5).build());
    u.api.snapshots.push(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 5).build());
    await u.apply(paused);
    expect(resumes).toEqual([6]);
    expect(u.api.get('bs').status).toMatchObject({
      phase: 'Paused',
      pauseObservedGeneration: 6,
      conditions: expect.arrayContaining([expect.objectContaining({ type: 'ResumeFailed', reason: 'SnapshotNotReady' })]),
    });
    expect(u.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'ResumeFailed' })]);
  });

  it('restores the runtime status of a sandbox that says Paused with no pause behind it, so the next pause runs', async () => {
    const pauses: number[] = [];
    const lifecycle = { startPause: async (_ref: unknown, generation: number) => void pauses.push(generation) } as unknown as LifecycleWorkflows;
    const t = setup({ lifecycle });
    const forged = aBatchSandbox('bs', 'ns').template().generation(1).status({ phase: 'Paused', pauseObservedGeneration: 0 }).build();
    await t.pod(ownPod(forged, 0));
    await t.apply(forged);
    expect(t.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'PausedPhaseRepaired', message: expect.stringContaining('pods bs-0 still run') }),
    ]);
    expect(t.api.get('bs').status).toMatchObject({ phase: 'Succeed', ready: 1, conditions: [expect.objectContaining({ type: 'Ready' })] });

    // A pause asked for now is a pause, not "already paused".
    await t.apply({
      ...structuredClone(t.api.get('bs')),
      spec: { ...t.api.get('bs').spec, pause: true },
      metadata: { ...t.api.get('bs').metadata, generation: 2 },
    } as BatchSandbox);
    expect(pauses).toEqual([2]);
  });

  it('leaves a Paused phase alone when only the cache misses its snapshot', async () => {
    const t = setup({ lifecycle: {} as LifecycleWorkflows });
    const paused = aBatchSandbox('bs', 'ns').template().generation(2).status({ phase: 'Paused', pauseObservedGeneration: 2 }).build();
    t.api.snapshots.push(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 2).succeeded().build());
    await t.pod(ownPod(paused, 0));
    await t.apply(paused);
    expect(t.events).toEqual([]);
    expect(t.api.get('bs').status?.phase).toBe('Paused');
  });

  it('leaves a real pause alone: Paused with its snapshot, or Paused with no pods left', async () => {
    const t = setup({ lifecycle: {} as LifecycleWorkflows });
    const paused = aBatchSandbox('bs', 'ns').template().generation(2).status({ phase: 'Paused', pauseObservedGeneration: 2 }).build();
    t.snapshots.deliver(aSandboxSnapshot('bs-pause', 'ns').pauseOf(paused, 2).succeeded().build());
    await t.pod(aPod('bs-0', 'ns').label(LABELS.podIndex, '0').controlledBy(paused).ready('10.0.0.1').terminating().build());
    await t.apply(paused);
    const noSnapshot = aBatchSandbox('gone', 'ns').template().generation(2).status({ phase: 'Paused', pauseObservedGeneration: 2 }).build();
    await t.apply(noSnapshot);
    expect(t.events).toEqual([]);
    expect(t.api.get('bs').status?.phase).toBe('Paused');
    expect(t.api.get('gone').status?.phase).toBe('Paused');
  });
});
