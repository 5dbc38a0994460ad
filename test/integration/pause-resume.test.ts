// Pause and resume end to end on the local stack (spec §6, upstream e2e 39-45 in meaning): the whole
// operator in-process (controllers, pause/resume/snapshot workflows on the real Temporal dev server, real
// activities), kube-controller-manager running the commit Jobs, kwok playing the kubelet and the stack's
// simulated image-committer playing the node's nerdctl commit + push (stack/simulated-committer.ts): it
// commits the source pod's containers and leaves the digests in the Job pod's termination message, refuses
// a push with wrong registry credentials, and hangs or fails on a source pod annotated for it. A pod image
// on a `.invalid` registry cannot be pulled (ErrImagePull), as on a real node.
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { API_VERSION } from '../../api/v1alpha1/group.js';
import { podName } from '../../planners/kube/pod-state.js';
import { SIMULATED_COMMIT_ANNOTATION } from '../../stack/simulated-commit-outcome.js';
import { waitUntil } from '../../stack/wait-until.js';
import { lifecycleProgressQuery, pauseWorkflowId, type LifecycleProgress } from '../../workflows/lifecycle-api.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { executorTasks } from '../support/stack-task-executors.js';

const REGISTRY_HOST = 'registry.kwok.local:5000';
const REGISTRY = `${REGISTRY_HOST}/sandboxes`;
const PUSH_SECRET = 'snapshot-push';
const PULL_SECRET = 'snapshot-pull';
const COMMIT_JOB_TIMEOUT_SECONDS = 8;

const suite = poolOperatorSuite('pause-resume', {
  batchSandboxController: true,
  snapshot: {
    registry: REGISTRY,
    pushSecretName: PUSH_SECRET,
    resumePullSecretName: PULL_SECRET,
    timeoutSeconds: COMMIT_JOB_TIMEOUT_SECONDS,
  },
});
const { ns } = suite;
const life = new LifecycleNamespace(ns);

const condition = (bs: BatchSandbox, type: string) => bs.status?.conditions?.find((c) => c.type === type && c.status === 'True');

function nonPooled(name: string, replicas = 1, annotations: Record<string, string> = {}): BatchSandbox {
  return aBatchSandbox(name, ns.namespace)
    .replicas(replicas)
    .template({
      metadata: { annotations },
      spec: { containers: [{ name: 'sandbox-container', image: 'sandbox:1', command: ['sleep', '3600'] }] },
    })
    .build();
}

async function createRunning(bs: BatchSandbox): Promise<BatchSandbox> {
  await ns.createSandbox(bs);
  return life.waitForSandbox(bs.metadata.name, `${bs.spec.replicas} ready`, (s) => s.status?.phase === 'Succeed' && s.status.ready === bs.spec.replicas);
}

async function pauseAndWait(name: string): Promise<BatchSandbox> {
  await life.setPause(name, true);
  return life.waitForSettled(name, 'Paused');
}

describe('pause and resume (kwok plays the kubelet, the stack simulates the node committer)', () => {
  beforeAll(async () => {
    await life.putPushSecret(PUSH_SECRET, REGISTRY_HOST, 'good');
  });

  it('pauses a non-pooled sandbox to a snapshot and resumes it from the snapshot image (upstream e2e 39)', async () => {
    const running = await createRunning(nonPooled('np-cycle'));
    const [sourcePod] = await life.podsOf(running);

    const paused = await pauseAndWait('np-cycle');
    expect(paused.status).toMatchObject({ replicas: 0, allocated: 0, ready: 0 });
    expect(condition(paused, 'Paused')).toBeDefined();
    expect(condition(paused, 'PauseFailed')).toBeUndefined();
    const snapshot = await life.getSnapshot('np-cycle-pause');
    expect(snapshot?.status?.phase).toBe('Succeed');
    expect(snapshot?.status?.sourcePodName).toBe(podName(sourcePod!));
    const image = snapshot!.status!.containers![0]!;
    expect(image).toMatchObject({
      containerName: 'sandbox-container',
      imageUri: `${REGISTRY}/np-cycle-sandbox-container:snap-gen${running.metadata.generation! + 1}`,
    });
    expect(image.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    await waitUntil(async () => (await life.podsOf(paused)).length === 0, { what: 'paused sandbox has no pods', timeoutMs: 30_000 });

    await life.setPause('np-cycle', false);
    const resumed = await life.waitForSandbox('np-cycle', 'resumed and ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);
    expect(condition(resumed, 'ResumeFailed')).toBeUndefined();
    // The restored pod runs the committed image (the "marker file" of upstream's test lives in it).
    const [restored] = await life.podsOf(resumed);
    expect(restored?.spec?.containers[0]?.image).toBe(image.imageUri);
    expect(restored?.spec?.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
    expect(restored?.metadata?.uid).not.toBe(sourcePod?.metadata?.uid);
    await life.waitForSnapshot('np-cycle-pause', 'deleted after the resume', (s) => s === undefined);
    await life.waitForSettled('np-cycle', 'Succeed');
  });

  it('pauses a pooled sandbox by detaching it from its pool, and resumes it without the pool (upstream e2e 40)', async () => {
    await ns.createPool(
      aPool('pause-pool', ns.namespace)
        .template({ spec: { containers: [{ name: 'sandbox-container', image: 'pool-image:1', command: ['sleep', '3600'] }] } })
        .capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 4 })
        .build(),
    );
    await ns.waitForStablePool('pause-pool', (s) => s.available >= 1);
    await ns.createSandbox(aBatchSandbox('pooled-cycle', ns.namespace).poolRef('pause-pool').build());
    const [poolPod] = await ns.waitForAllocation('pooled-cycle', 1);
    await life.waitForSandbox('pooled-cycle', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);

    const paused = await pauseAndWait('pooled-cycle');
    expect(paused.spec.poolRef ?? '').toBe('');
    expect(paused.spec.template?.spec?.containers?.[0]?.name).toBe('sandbox-container');
    expect(paused.metadata.finalizers ?? []).not.toContain('pool.sandbox.opensandbox.io/pool-allocation');
    expect((await life.getSnapshot('pooled-cycle-pause'))?.status?.sourcePodName).toBe(poolPod);
    // The pool takes its pod back (Delete recycle: it is replaced by a fresh one).
    await waitUntil(() => ns.podsGone([poolPod!]), { what: 'released pool pod recycled', timeoutMs: 60_000 });

    await life.setPause('pooled-cycle', false);
    const resumed = await life.waitForSandbox('pooled-cycle', 'resumed and ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);
    expect(resumed.spec.poolRef ?? '').toBe('');
    const [restored] = await life.podsOf(resumed);
    expect(restored?.spec?.containers[0]?.image).toMatch(new RegExp(`^${REGISTRY}/pooled-cycle-sandbox-container:snap-gen\\d+$`));
    expect(restored?.metadata?.labels?.[LABELS.poolName]).toBeUndefined();
  });

  it('pauses a pooled sandbox running a task in its task-executor sidecar to one image per container, and resumes both with the task running again (upstream e2e 41)', async () => {
    const containers = [
      { name: 'sandbox-container', image: 'pool-image:1', command: ['sleep', '3600'] },
      { name: 'task-executor', image: 'task-executor:1', command: ['/task-executor'] },
    ];
    await ns.createPool(
      aPool('task-pool', ns.namespace).template({ spec: { containers } }).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 4 }).build(),
    );
    await ns.waitForStablePool('task-pool', (s) => s.available >= 1);
    const running = { spec: { process: { command: ['/bin/sh'], args: ['-c', 'sleep 3600'] } } };
    await ns.createSandbox(aBatchSandbox('task-cycle', ns.namespace).poolRef('task-pool').tasks(running).build());
    await ns.waitForAllocation('task-cycle', 1);
    await life.waitForSandbox(
      'task-cycle',
      'ready, its task running',
      (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1 && bs.status.taskRunning === 1,
    );

    const paused = await pauseAndWait('task-cycle');
    expect(paused.status).toMatchObject({ allocated: 0, ready: 0 });
    expect(paused.spec.template?.spec?.containers?.map((c) => c.name)).toEqual(['sandbox-container', 'task-executor']);
    const snapshot = await life.getSnapshot('task-cycle-pause');
    expect(snapshot?.status?.phase).toBe('Succeed');
    const images = snapshot!.status!.containers!;
    expect(images.map((c) => c.containerName)).toEqual(['sandbox-container', 'task-executor']);
    for (const image of images) expect(image.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(images.map((c) => c.imageUri)).size).toBe(2);

    await life.setPause('task-cycle', false);
    const resumed = await life.waitForSandbox(
      'task-cycle',
      'resumed and ready, its task running again',
      (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1 && bs.status.taskRunning === 1,
    );
    expect(resumed.spec.poolRef ?? '').toBe('');
    const [restored] = await life.podsOf(resumed);
    expect(restored?.spec?.containers.map((c) => [c.name, c.image])).toEqual(images.map((c) => [c.containerName, c.imageUri]));
    // The restored pod's own executor runs the task (the one in the released pod went with it).
    const tasks = await executorTasks(ns.namespace, podName(restored!));
    expect(tasks.map((t) => [t.name, t.processStatus.running !== undefined])).toEqual([['task-cycle-0', true]]);
  });

  it('pauses and resumes every replica of a sandbox with two, each from its own snapshot (beyond upstream)', async () => {
    await createRunning(nonPooled('two-replicas', 2));
    await pauseAndWait('two-replicas');
    const first = await life.getSnapshot('two-replicas-pause');
    const second = await life.getSnapshot('two-replicas-pause-1');
    expect(first?.status?.phase).toBe('Succeed');
    expect(second?.status?.phase).toBe('Succeed');
    expect(second?.status?.containers?.[0]?.imageUri).toMatch(/-r1$/);

    await life.setPause('two-replicas', false);
    const resumed = await life.waitForSandbox('two-replicas', 'both ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 2);
    const images = (await life.podsOf(resumed)).map((pod) => pod.spec?.containers[0]?.image).sort();
    expect(images).toEqual([first!.status!.containers![0]!.imageUri, second!.status!.containers![0]!.imageUri].sort());
  });

  it('keeps a paused sandbox and its snapshot when its expireTime is renewed (fixes upstream R1)', async () => {
    await createRunning(nonPooled('renewed'));
    await pauseAndWait('renewed');
    const before = await life.getSnapshot('renewed-pause');
    await life.patchSandboxSpec('renewed', { expireTime: new Date(Date.now() + 3_600_000).toISOString() });
    const after = await life.waitForSettled('renewed', 'Paused');
    expect(condition(after, 'PauseFailed')).toBeUndefined();
    expect((await life.getSnapshot('renewed-pause'))?.metadata.uid).toBe(before?.metadata.uid);
    expect(await life.jobsOf('renewed-pause')).toHaveLength(1);
  });

  it('fails a snapshot of a missing sandbox naming it, without creating a Job (upstream e2e 42)', async () => {
    await life.createSnapshot({
      apiVersion: API_VERSION,
      kind: 'SandboxSnapshot',
      metadata: { name: 'osb-snap-0123456789abcdef0123456789abcdef', namespace: ns.namespace },
      spec: { sandboxName: 'nonexistent-sandbox' },
    });
    const failed = await life.waitForSnapshot('osb-snap-0123456789abcdef0123456789abcdef', 'Failed', (s) => s?.status?.phase === 'Failed');
    const reason = failed?.status?.conditions?.find((c) => c.type === 'Failed');
    expect(reason?.message).toContain('nonexistent-sandbox');
    expect(await life.jobsOf('osb-snap-0123456789abcdef0123456789abcdef')).toHaveLength(0);
  });

  it('commits a server snapshot (osb-snap-*) of a running sandbox on demand', async () => {
    await createRunning(nonPooled('on-demand'));
    const name = 'osb-snap-fedcba9876543210fedcba9876543210';
    await life.createSnapshot({
      apiVersion: API_VERSION,
      kind: 'SandboxSnapshot',
      metadata: { name, namespace: ns.namespace },
      spec: { sandboxName: 'on-demand' },
    });
    const done = await life.waitForSnapshot(name, 'Succeed', (s) => s?.status?.phase === 'Succeed');
    expect(done?.status?.containers?.[0]).toMatchObject({ imageUri: `${REGISTRY}/on-demand-sandbox-container:snap-fedcba9876543210fedcba9876543210` });
    expect(done?.metadata.finalizers).toContain('sandboxsnapshot.sandbox.opensandbox.io/cleanup');
    // The sandbox keeps running: a server snapshot is not a pause.
    expect((await ns.getSandbox('on-demand')).status?.phase).toBe('Succeed');
  });

  it('cancels a pause when pause:false arrives while Pausing, leaving the sandbox running on its pod', async () => {
    const running = await createRunning(nonPooled('cancelled', 1, { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }));
    const [pod] = await life.podsOf(running);
    await life.setPause('cancelled', true);
    await life.waitForPhase('cancelled', 'Pausing');
    await waitUntil(async () => (await life.jobsOf('cancelled-pause')).length > 0, { what: 'commit Job created', timeoutMs: 30_000 });
    await life.setPause('cancelled', false);
    const back = await life.waitForSettled('cancelled', 'Succeed');
    expect(condition(back, 'PauseFailed')).toBeUndefined();
    expect((await life.podsOf(back)).map((p) => p.metadata?.uid)).toEqual([pod?.metadata?.uid]);
    await life.waitForSnapshot('cancelled-pause', 'removed with the cancelled pause', (s) => s === undefined);
  });

  it('restarts a pause run that was terminated, so the sandbox does not stay Pausing (it ends as the commit does)', async () => {
    await createRunning(nonPooled('terminated-run', 1, { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }));
    await life.setPause('terminated-run', true);
    const pausing = await life.waitForPhase('terminated-run', 'Pausing');
    await waitUntil(async () => (await life.jobsOf('terminated-run-pause')).length > 0, { what: 'commit Job created', timeoutMs: 30_000 });
    const ref = { namespace: ns.namespace, name: 'terminated-run', uid: pausing.metadata.uid! };
    const handle = suite.operator.client.workflow.getHandle(pauseWorkflowId(ref, pausing.status!.pauseObservedGeneration!));
    const terminated = (await handle.describe()).runId;
    await handle.terminate('test: a run killed from the Temporal UI');
    // The watcher's periodic check starts the pause of that generation again; it picks up the same Job,
    // which overruns its deadline: the sandbox leaves Pausing with PauseFailed Timeout, still running.
    const failed = await life.waitForSandbox('terminated-run', 'PauseFailed', (bs) => condition(bs, 'PauseFailed') !== undefined, 60_000);
    expect(failed.status?.phase).toBe('Succeed');
    expect(condition(failed, 'PauseFailed')?.reason).toBe('Timeout');
    expect((await handle.describe()).runId).not.toBe(terminated);
  });

  it('cancels a pause whose run was terminated when pause:false arrives', async () => {
    const running = await createRunning(nonPooled('terminated-cancel', 1, { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }));
    const [pod] = await life.podsOf(running);
    await life.setPause('terminated-cancel', true);
    const pausing = await life.waitForPhase('terminated-cancel', 'Pausing');
    await waitUntil(async () => (await life.jobsOf('terminated-cancel-pause')).length > 0, { what: 'commit Job created', timeoutMs: 30_000 });
    const ref = { namespace: ns.namespace, name: 'terminated-cancel', uid: pausing.metadata.uid! };
    await suite.operator.client.workflow.getHandle(pauseWorkflowId(ref, pausing.status!.pauseObservedGeneration!)).terminate('test');
    await life.setPause('terminated-cancel', false);
    const back = await life.waitForSettled('terminated-cancel', 'Succeed');
    expect(condition(back, 'PauseFailed')).toBeUndefined();
    expect((await life.podsOf(back)).map((p) => p.metadata?.uid)).toEqual([pod?.metadata?.uid]);
    await life.waitForSnapshot('terminated-cancel-pause', 'removed with the cancelled pause', (s) => s === undefined);
    await waitUntil(async () => (await life.jobsOf('terminated-cancel-pause')).length === 0, { what: 'commit Job deleted', timeoutMs: 60_000 });
  });

  it('fails a commit that overruns its deadline with reason Timeout and keeps the sandbox running', async () => {
    await createRunning(nonPooled('overrun', 1, { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }));
    await life.setPause('overrun', true);
    const failed = await life.waitForSandbox('overrun', 'PauseFailed', (bs) => condition(bs, 'PauseFailed') !== undefined);
    expect(failed.status?.phase).toBe('Succeed');
    expect(condition(failed, 'PauseFailed')?.reason).toBe('Timeout');
    expect(failed.status?.ready).toBe(1);
  });

  it('ends the pause and leaves nothing behind when the sandbox is deleted mid-pause', async () => {
    await createRunning(nonPooled('deleted-mid-pause', 1, { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }));
    await life.setPause('deleted-mid-pause', true);
    await life.waitForPhase('deleted-mid-pause', 'Pausing');
    await waitUntil(async () => (await life.jobsOf('deleted-mid-pause-pause')).length > 0, { what: 'commit Job created', timeoutMs: 30_000 });
    await ns.deleteSandbox('deleted-mid-pause');
    await ns.waitForSandboxGone('deleted-mid-pause');
    await life.waitForSnapshot('deleted-mid-pause-pause', 'garbage-collected', (s) => s === undefined);
    await waitUntil(async () => (await life.jobsOf('deleted-mid-pause-pause')).length === 0, { what: 'commit Job deleted', timeoutMs: 60_000 });
    const client = suite.operator.client;
    const query = `OpenSandboxNamespace="${ns.namespace}" AND OpenSandboxSandbox="deleted-mid-pause" AND ExecutionStatus="Running"`;
    await waitUntil(
      async () => {
        for await (const _run of client.workflow.list({ query })) return false;
        return true;
      },
      { what: 'no workflow left running for the deleted sandbox', timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it('finds a pause run in Temporal by search attributes and reads its progress', async () => {
    await createRunning(nonPooled('findable'));
    await pauseAndWait('findable');
    const client = suite.operator.client;
    const query = `OpenSandboxNamespace="${ns.namespace}" AND OpenSandboxSandbox="findable" AND OpenSandboxOperation="pause"`;
    let workflowId: string | undefined;
    await waitUntil(
      async () => {
        for await (const run of client.workflow.list({ query })) workflowId = run.workflowId;
        return workflowId !== undefined;
      },
      { what: 'pause run visible by search attributes', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(workflowId).toMatch(new RegExp(`^pause/${ns.namespace}/findable/[0-9a-f-]{36}/\\d+$`));
    const progress: LifecycleProgress = await client.workflow.getHandle(workflowId!).query(lifecycleProgressQuery);
    expect(progress).toMatchObject({ operation: 'pause', outcome: 'succeeded' });
  });

  it('fails the resume of a snapshot whose image cannot be pulled, keeping the snapshot (upstream e2e 44)', async () => {
    await createRunning(nonPooled('bad-image'));
    await pauseAndWait('bad-image');
    await life.patchSnapshotStatus('bad-image-pause', {
      containers: [{ containerName: 'sandbox-container', imageUri: 'registry.invalid/sandboxes/bad-image:missing', imageDigest: 'sha256:0' }],
    });
    await life.setPause('bad-image', false);
    const failed = await life.waitForPhase('bad-image', 'Failed');
    expect(condition(failed, 'ResumeFailed')).toBeDefined();
    expect(condition(failed, 'PodFailed')).toBeDefined();
    expect((await life.getSnapshot('bad-image-pause'))?.status?.phase).toBe('Succeed');
  });

  it('reports a push refused by the registry as PauseFailed and keeps the sandbox running (upstream e2e 43), then pauses after the secret is fixed and the server retries (upstream e2e 45)', async () => {
    await createRunning(nonPooled('bad-push'));
    await life.putPushSecret(PUSH_SECRET, REGISTRY_HOST, 'bad');
    try {
      await life.setPause('bad-push', true);
      const failed = await life.waitForSandbox('bad-push', 'PauseFailed', (bs) => condition(bs, 'PauseFailed') !== undefined);
      expect(failed.status?.phase).toBe('Succeed');
      // The Job retries the push (backoffLimit 3, as upstream) until its deadline: the reason is that
      // deadline here, and the message says why every attempt failed.
      expect(['SnapshotFailed', 'Timeout']).toContain(condition(failed, 'PauseFailed')?.reason);
      expect(condition(failed, 'PauseFailed')?.message).toContain('unauthorized');
      expect(failed.status?.ready).toBe(1);
    } finally {
      await life.putPushSecret(PUSH_SECRET, REGISTRY_HOST, 'good');
    }
    // The server's retry bridge: pause:null, then pause:true.
    await life.setPause('bad-push', null);
    await life.waitForSettled('bad-push', 'Succeed');
    await life.setPause('bad-push', true);
    const paused = await life.waitForSettled('bad-push', 'Paused');
    expect(condition(paused, 'PauseFailed')).toBeUndefined();
    expect((await life.getSnapshot('bad-push-pause'))?.status?.phase).toBe('Succeed');
  });

  it('acknowledges pause:false on a running sandbox without touching it (fixes upstream B12)', async () => {
    const running = await createRunning(nonPooled('not-paused'));
    const [pod] = await life.podsOf(running);
    await life.setPause('not-paused', false);
    const settled = await life.waitForSettled('not-paused', 'Succeed');
    expect(condition(settled, 'ResumeFailed')).toBeUndefined();
    expect((await life.podsOf(settled)).map((p) => p.metadata?.uid)).toEqual([pod?.metadata?.uid]);
  });

  it('restores a forged Paused phase from the running pods, and then pauses for real (issue 13)', async () => {
    const running = await createRunning(nonPooled('forged'));
    const [pod] = await life.podsOf(running);
    await life.patchSandboxStatus('forged', { phase: 'Paused' });
    const repaired = await life.waitForSettled('forged', 'Succeed');
    expect(repaired.status?.ready).toBe(1);
    let messages: (string | undefined)[] = [];
    await waitUntil(
      async () => {
        const events = await ns.core.listNamespacedEvent({ namespace: ns.namespace, fieldSelector: 'involvedObject.name=forged,reason=PausedPhaseRepaired' });
        messages = events.items.map((e) => e.message);
        return messages.length > 0;
      },
      { what: 'PausedPhaseRepaired event', timeoutMs: 30_000 },
    );
    expect(messages).toEqual([expect.stringContaining(`pods ${podName(pod!)} still run`)]);
    const paused = await pauseAndWait('forged');
    expect(await life.podsOf(paused)).toEqual([]);
    expect((await life.getSnapshot('forged-pause'))?.status?.phase).toBe('Succeed');
  });

  it('rejects a pause of a sandbox that cannot be paused with PauseFailed, not a stuck phase', async () => {
    const bs = aBatchSandbox('cannot-pause', ns.namespace)
      .template({ spec: { containers: [{ name: 'c', image: 'registry.invalid/never:1', command: ['sleep', '3600'] }] } })
      .build();
    await ns.createSandbox(bs);
    await life.waitForPhase('cannot-pause', 'Failed');
    await life.setPause('cannot-pause', true);
    const rejected = await life.waitForSandbox('cannot-pause', 'PauseFailed', (s) => condition(s, 'PauseFailed') !== undefined);
    expect(rejected.status?.phase).toBe('Failed');
    expect(condition(rejected, 'PauseFailed')?.reason).toBe('NotRunning');
    expect(rejected.status?.pauseObservedGeneration).toBe(rejected.metadata.generation);
    expect(await life.getSnapshot('cannot-pause-pause')).toBeUndefined();
  });
});
