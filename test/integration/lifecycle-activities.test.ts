// The pause, snapshot and resume activities against the real kube-apiserver of the test stack, called
// directly (no workflow): what each writes, what it refuses, and that a retry repeats nothing. No
// operator controller runs here: the test plays the controllers' parts (pods, Pools, status) itself;
// kube-controller-manager runs the Jobs and garbage collection, kwok plays the kubelet.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BatchV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { createLifecycleActivities } from '../../activities/lifecycle-activities.js';
import { API_REJECTED } from '../../api/activity-failure-types.js';
import type { SnapshotSettings } from '../../activities/lifecycle-activity-types.js';
import { OBJECT_GONE } from '../../api/activity-failure-types.js';
import type { SandboxRef, SnapshotRef } from '../../api/object-refs.js';
import type { BatchSandbox, BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../../api/v1alpha1/contract.js';
import { GROUP, POOL, SANDBOX_SNAPSHOT, VERSION } from '../../api/v1alpha1/group.js';
import type { SandboxSnapshot, SandboxSnapshotStatus } from '../../api/v1alpha1/sandbox-snapshot.js';
import type { EventRecorder, EventType } from '../../kernel/events.js';
import { createKubeClients } from '../../kernel/kube-clients.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { createLogger } from '../../kernel/logger.js';
import { ZERO_COUNTERS } from '../../planners/sandbox/batch-sandbox-status.js';
import { buildCommitJob } from '../../planners/lifecycle/commit-job.js';
import { controllerReference } from '../../planners/kube/controller-reference.js';
import { pauseGenerationOf } from '../../planners/lifecycle/pause-snapshot.js';
import { buildNonPooledPod } from '../../planners/sandbox/non-pooled-pods.js';
import type { PauseSource } from '../../planners/lifecycle/pause-source.js';
import { isReady, isTerminating } from '../../planners/kube/pod-state.js';
import { templateRevision } from '../../planners/pool/pool-revision.js';
import { commitJobName, unpauseJobName } from '../../planners/lifecycle/snapshot-names.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox, SIMPLE_TEMPLATE } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { noJobsNamed, whileDenied } from '../support/admission-policy.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

const ns = new PoolNamespace(`pause-act-${Date.now().toString(36)}`);
const namespace = ns.namespace;
const kubeConfig = testKubeConfig();
const objects = kubeConfig.makeApiClient(CustomObjectsApi);
const batch = kubeConfig.makeApiClient(BatchV1Api);
const node = () => testStackInfo().nodeNames[0]!;
const WAIT = { timeoutMs: 60_000, intervalMs: 200 };

const settings: SnapshotSettings = {
  registry: 'registry.local:5000/snapshots',
  resumePullSecretName: 'resume-pull',
  committerImage: 'image-committer:dev',
  containerdSocketPath: '/run/containerd/containerd.sock',
  registryInsecure: true,
  timeoutSeconds: 120,
};

interface RecordedEvent {
  kind: string;
  name: string;
  type: EventType;
  reason: string;
  message: string;
}
const recorded: RecordedEvent[] = [];
const events: EventRecorder = {
  record: (object, type, reason, message) => recorded.push({ kind: object.kind, name: object.metadata.name, type, reason, message }),
};
const eventsOf = (name: string) => recorded.filter((e) => e.name === name).map((e) => `${e.type} ${e.reason}`);

const activities = createLifecycleActivities({ clients: createKubeClients(kubeConfig), log: createLogger('error'), events, settings });

beforeAll(() => ns.create(), 60_000);
afterAll(() => ns.delete(), 60_000);

// ---- helpers ---------------------------------------------------------------------------------------

const snapshotPath = { group: GROUP, version: VERSION, namespace, plural: SANDBOX_SNAPSHOT.plural };

const refOf = (object: { metadata: { name: string; uid?: string } }): SandboxRef => ({ namespace, name: object.metadata.name, uid: object.metadata.uid! });

/** Creates the sandbox and gives it `status` (as the BatchSandbox controller would have). */
async function sandboxWith(body: BatchSandbox, status: Partial<BatchSandboxStatus>): Promise<BatchSandbox> {
  await ns.createSandbox(body);
  await objects.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: body.metadata.name, body: { status: { ...ZERO_COUNTERS, ...status } } },
    MERGE_PATCH,
  );
  return ns.getSandbox(body.metadata.name);
}

const getSnapshot = async (name: string) => (await objects.getNamespacedCustomObject({ ...snapshotPath, name })) as SandboxSnapshot;

async function findSnapshot(name: string): Promise<SandboxSnapshot | undefined> {
  try {
    return await getSnapshot(name);
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

async function createSnapshot(body: SandboxSnapshot, status?: SandboxSnapshotStatus): Promise<SnapshotRef> {
  const created = (await objects.createNamespacedCustomObject({ ...snapshotPath, body })) as SandboxSnapshot;
  if (status) await objects.patchNamespacedCustomObjectStatus({ ...snapshotPath, name: body.metadata.name, body: { status } }, MERGE_PATCH);
  return { namespace, name: created.metadata.name, uid: created.metadata.uid! };
}

async function jobExists(name: string): Promise<boolean> {
  try {
    const job = await batch.readNamespacedJob({ namespace, name });
    return !job.metadata?.deletionTimestamp;
  } catch (err) {
    if (isApiStatus(err, 404)) return false;
    throw err;
  }
}

async function getPod(name: string): Promise<V1Pod | undefined> {
  try {
    return await ns.core.readNamespacedPod({ namespace, name });
  } catch (err) {
    if (isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

async function waitForReadyPod(name: string): Promise<V1Pod> {
  let pod: V1Pod | undefined;
  await waitUntil(async () => (pod = await getPod(name)) !== undefined && isReady(pod), { what: `pod ${name} Ready`, ...WAIT });
  return pod!;
}

/** The sandbox's pod `index`, built as the BatchSandbox controller does, bound to a kwok node, Ready. */
async function runPod(sandbox: BatchSandbox, index: number): Promise<V1Pod> {
  const pod = buildNonPooledPod(sandbox, index);
  pod.spec!.nodeName = node();
  await ns.core.createNamespacedPod({ namespace, body: pod });
  return waitForReadyPod(pod.metadata!.name!);
}

async function expectObjectGone(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: OBJECT_GONE, nonRetryable: true });
}

/** A running non-pooled sandbox about to pause at generation 1 (pause:true set at creation). */
async function runningSandbox(name: string, replicas = 1): Promise<BatchSandbox> {
  return sandboxWith(aBatchSandbox(name, namespace).template().replicas(replicas).pause(true).build(), { phase: 'Succeed', pauseObservedGeneration: 0 });
}

// ---- pause -----------------------------------------------------------------------------------------

/** The source pods markPausing finds for the pause of `generation` (it writes Pausing, or proceeds on a retry). */
async function sourcesOf(ref: SandboxRef, generation: number): Promise<PauseSource[]> {
  const start = await activities.markPausing(ref, generation);
  if (!start.proceed) throw new Error(start.why);
  if (!start.sources.ok) throw new Error(start.sources.message);
  return start.sources.sources;
}

describe('markPausing', () => {
  it('writes Pausing for the generation that asks for a pause, and proceeds again on a retry', async () => {
    const bs = await runningSandbox('mp-ok');
    // No pod runs for it yet: the pause goes on, and the sources say what is missing.
    const noPod = { proceed: true, sources: { ok: false, reason: 'SourcePodNotFound' } };
    await expect(activities.markPausing(refOf(bs), 1)).resolves.toMatchObject(noPod);
    const pausing = await ns.getSandbox('mp-ok');
    expect(pausing.status).toMatchObject({ phase: 'Pausing', pauseObservedGeneration: 1 });
    await runPod(bs, 0);
    await expect(activities.markPausing(refOf(bs), 1)).resolves.toMatchObject({
      proceed: true,
      sources: { ok: true, sources: [{ index: 0, podName: 'mp-ok-0' }] },
    });
    expect((await ns.getSandbox('mp-ok')).metadata.resourceVersion).toBe(pausing.metadata.resourceVersion);
  });

  it('does not proceed, and writes nothing, for a stale generation', async () => {
    const bs = await runningSandbox('mp-stale');
    await objects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'mp-stale', body: { spec: { expireTime: '2099-01-01T00:00:00Z' } } },
      MERGE_PATCH,
    );
    const bumped = await ns.getSandbox('mp-stale');
    expect(bumped.metadata.generation).toBe(2);
    const gate = await activities.markPausing(refOf(bs), 1);
    expect(gate).toEqual({ proceed: false, why: expect.stringContaining('generation 1 no longer applies') });
    const after = await ns.getSandbox('mp-stale');
    expect(after.metadata.resourceVersion).toBe(bumped.metadata.resourceVersion);
    expect(after.status?.phase).toBe('Succeed');
  });

  it('ends with OBJECT_GONE for a namesake (other UID) or a missing sandbox', async () => {
    const bs = await runningSandbox('mp-gone');
    await expectObjectGone(activities.markPausing({ ...refOf(bs), uid: 'not-this-one' }, 1));
    await expectObjectGone(activities.markPausing({ namespace, name: 'never-was', uid: 'x' }, 1));
    expect((await ns.getSandbox('mp-gone')).status?.phase).toBe('Succeed');
  });
});

/** A source as markPausing reports it: preparePauseSnapshot trusts the pause's choice and reads no pod. */
function sourceOf(sandbox: BatchSandbox, index: number, containers = ['sandbox']): PauseSource {
  return { index, podName: `${sandbox.metadata.name}-${index}`, podUid: `uid-${index}`, nodeName: node(), containers };
}

describe('preparePauseSnapshot', () => {
  it('creates the snapshot of the pause, uses it on a retry, and replaces an earlier pause’s', async () => {
    const bs = await runningSandbox('ps');
    const ref = refOf(bs);
    const created = await activities.preparePauseSnapshot(ref, sourceOf(bs, 0), 1);
    const first = await getSnapshot('ps-pause');
    expect(created.snapshot).toEqual({ namespace, name: 'ps-pause', uid: first.metadata.uid });
    expect(first.metadata.annotations?.[ANNOTATIONS.pauseGeneration]).toBe('1');
    expect(first.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'BatchSandbox', uid: bs.metadata.uid, controller: true })]);

    await expect(activities.preparePauseSnapshot(ref, sourceOf(bs, 0), 1)).resolves.toEqual(created);

    // The earlier pause's snapshot holds the cleanup finalizer and has a commit Job: both must not stop it.
    await objects.patchNamespacedCustomObject(
      { ...snapshotPath, name: 'ps-pause', body: { metadata: { finalizers: [FINALIZERS.snapshotCleanup] } } },
      MERGE_PATCH,
    );
    const target = { podName: 'ps-0', nodeName: node(), containers: [{ containerName: 'sandbox', imageUri: 'registry.local/x:1' }] };
    await batch.createNamespacedJob({
      namespace,
      body: buildCommitJob(first, target, { committerImage: 'c:1', containerdSocketPath: '/s', registryInsecure: false, timeoutSeconds: 60 }),
    });
    const replaced = await activities.preparePauseSnapshot(ref, sourceOf(bs, 0), 3);
    expect(replaced.snapshot.uid).not.toBe(created.snapshot.uid);
    const second = await getSnapshot('ps-pause');
    expect(second.metadata.uid).toBe(replaced.snapshot.uid);
    expect(second.metadata.annotations?.[ANNOTATIONS.pauseGeneration]).toBe('3');
    expect(await jobExists(commitJobName('ps-pause'))).toBe(false);
  });

  it('plans the commit of the source it is given, writing no status', async () => {
    const bs = await runningSandbox('ps-plan');
    const prepared = await activities.preparePauseSnapshot(refOf(bs), sourceOf(bs, 0, ['sandbox', 'sidecar']), 2);
    expect(prepared.commit).toEqual({
      state: 'planned',
      target: {
        podName: 'ps-plan-0',
        nodeName: node(),
        containers: [
          { containerName: 'sandbox', imageUri: 'registry.local:5000/snapshots/ps-plan-sandbox:snap-gen2' },
          { containerName: 'sidecar', imageUri: 'registry.local:5000/snapshots/ps-plan-sidecar:snap-gen2' },
        ],
      },
      deadlineSeconds: 120,
    });
    expect((await getSnapshot('ps-plan-pause')).status).toBeUndefined();
  });

  it('records a plan that cannot work (no registry configured) on the snapshot and returns it as terminal', async () => {
    const unconfigured = createLifecycleActivities({
      clients: createKubeClients(kubeConfig),
      log: createLogger('error'),
      events,
      settings: { ...settings, registry: '' },
    });
    const bs = await runningSandbox('ps-noreg');
    const prepared = await unconfigured.preparePauseSnapshot(refOf(bs), sourceOf(bs, 0), 1);
    expect(prepared.commit).toEqual({
      state: 'terminal',
      phase: 'Failed',
      reason: 'RegistryNotConfigured',
      message: expect.stringContaining('--snapshot-registry'),
    });
    expect((await getSnapshot('ps-noreg-pause')).status).toMatchObject({ phase: 'Failed' });
    expect(eventsOf('ps-noreg-pause')).toEqual(['Warning SnapshotFailed']);
    expect(await jobExists(commitJobName('ps-noreg-pause'))).toBe(false);
  });

  it('fails a pause whose source node is gone or not Ready, naming the node, without creating a Job', async () => {
    // A Node nobody runs (kwok manages only the stack's labelled nodes): it never turns Ready.
    const unready = `unready-${namespace}`;
    await ns.core.createNode({ body: { metadata: { name: unready } } });
    try {
      for (const [name, nodeName, reason] of [
        ['ps-node-gone', `gone-${namespace}`, 'SourceNodeGone'],
        ['ps-node-unready', unready, 'SourceNodeNotReady'],
      ] as const) {
        const bs = await runningSandbox(name);
        const prepared = await activities.preparePauseSnapshot(refOf(bs), { ...sourceOf(bs, 0), nodeName }, 1);
        expect(prepared.commit).toEqual({ state: 'terminal', phase: 'Failed', reason, message: expect.stringContaining(`node ${nodeName} of pod ${name}-0`) });
        expect((await getSnapshot(`${name}-pause`)).status).toMatchObject({ phase: 'Failed' });
        expect(eventsOf(`${name}-pause`)).toEqual(['Warning SnapshotFailed']);
        expect(await jobExists(commitJobName(`${name}-pause`))).toBe(false);
      }
    } finally {
      await ns.core.deleteNode({ name: unready });
    }
  });

  it('replicas > 1 get their own snapshot `<bs>-pause-<i>`', async () => {
    const bs = await runningSandbox('ps-multi', 2);
    const prepared = await activities.preparePauseSnapshot(refOf(bs), sourceOf(bs, 1), 1);
    expect(prepared.snapshot).toMatchObject({ name: 'ps-multi-pause-1' });
    expect(prepared.commit).toMatchObject({ target: { containers: [{ imageUri: 'registry.local:5000/snapshots/ps-multi-sandbox:snap-gen1-r1' }] } });
  });
});

describe('releaseAndMarkPaused', () => {
  it('non-pooled: deletes the source pods by UID (a namesake of a source survives), then writes Paused', async () => {
    const bs = await runningSandbox('rp', 2);
    await Promise.all([runPod(bs, 0), runPod(bs, 1)]);
    const resolved = await sourcesOf(refOf(bs), 1);
    expect(resolved.map((s) => s.podName)).toEqual(['rp-0', 'rp-1']);

    // rp-1 is replaced by a namesake after the sources were resolved.
    await ns.core.deleteNamespacedPod({ namespace, name: 'rp-1', gracePeriodSeconds: 0 });
    await waitUntil(async () => (await getPod('rp-1')) === undefined, { what: 'rp-1 gone', ...WAIT });
    const namesake = await runPod(bs, 1);

    await activities.releaseAndMarkPaused(refOf(bs), resolved);
    expect((await ns.getSandbox('rp')).status).toMatchObject({ phase: 'Paused', pauseObservedGeneration: 1, replicas: 0 });
    expect(eventsOf('rp')).toEqual(['Normal Paused']);
    await waitUntil(
      async () => {
        const pod = await getPod('rp-0');
        return pod === undefined || isTerminating(pod);
      },
      { what: 'rp-0 deleted', ...WAIT },
    );
    const survivor = await getPod('rp-1');
    expect(survivor?.metadata?.uid).toBe(namesake.metadata?.uid);
    expect(isTerminating(survivor!)).toBe(false);
    // A retry is harmless.
    await activities.releaseAndMarkPaused(refOf(bs), resolved);
    expect((await getPod('rp-1'))?.metadata?.uid).toBe(namesake.metadata?.uid);
    expect((await ns.getSandbox('rp')).status?.phase).toBe('Paused');
  });

  it('pooled: detaches the sandbox from its Pool in one write (template from the Pool), and leaves the pod to the Pool', async () => {
    const pool = aPool('pool-a', namespace).build();
    await ns.createPool(pool);
    const poolObject = await ns.getPool('pool-a');
    const podBody: V1Pod = {
      metadata: {
        name: 'pool-a-pod-0',
        namespace,
        labels: { [LABELS.poolName]: 'pool-a', [LABELS.poolRevision]: templateRevision(poolObject.spec.template), app: 'demo' },
        ownerReferences: [controllerReference(POOL.kind, poolObject.metadata)],
      },
      spec: { ...structuredClone(poolObject.spec.template.spec), nodeName: node() },
    };
    await ns.core.createNamespacedPod({ namespace, body: podBody });
    const pod = await waitForReadyPod('pool-a-pod-0');
    const bs = await sandboxWith(
      aBatchSandbox('pooled', namespace).poolRef('pool-a').pause(true).allocated(['pool-a-pod-0']).finalizers([FINALIZERS.poolAllocation]).build(),
      { phase: 'Pausing', pauseObservedGeneration: 1 },
    );
    const resolved = await sourcesOf(refOf(bs), 1);

    await activities.releaseAndMarkPaused(refOf(bs), resolved);
    const detached = await ns.getSandbox('pooled');
    expect(detached.status?.phase).toBe('Paused');
    expect(detached.spec.poolRef).toBe('');
    expect(detached.spec.template).toEqual({ metadata: { labels: { app: 'demo' } }, spec: SIMPLE_TEMPLATE.spec });
    expect(detached.metadata.annotations?.[ANNOTATIONS.allocStatus]).toBeUndefined();
    expect(detached.metadata.finalizers ?? []).not.toContain(FINALIZERS.poolAllocation);

    // A retry finds it detached and changes nothing; the pool pod is the Pool's to recycle.
    await activities.releaseAndMarkPaused(refOf(bs), resolved);
    expect((await ns.getSandbox('pooled')).metadata.resourceVersion).toBe(detached.metadata.resourceVersion);
    expect((await getPod('pool-a-pod-0'))?.metadata?.uid).toBe(pod.metadata?.uid);
  });
});

describe('markPauseFailed', () => {
  it('keeps a sandbox whose pod still exists running: Succeed + PauseFailed(reason), Warning PauseFailed', async () => {
    const bs = await runningSandbox('pf-kept');
    await runPod(bs, 0);
    await activities.markPausing(refOf(bs), 1);
    await activities.markPauseFailed(refOf(bs), { reason: 'SourcePodNotFound', message: 'boom' });
    const status = (await ns.getSandbox('pf-kept')).status!;
    expect(status.phase).toBe('Succeed');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PauseFailed', status: 'True', reason: 'SourcePodNotFound', message: 'boom' }));
    expect(eventsOf('pf-kept')).toEqual(['Warning PauseFailed']);
  });

  it('without any pod left: Failed + PauseFailed(PodNotFound)', async () => {
    const bs = await runningSandbox('pf-gone');
    await activities.markPausing(refOf(bs), 1);
    await activities.markPauseFailed(refOf(bs), { reason: 'CommitJobFailed', message: 'commit failed' });
    const status = (await ns.getSandbox('pf-gone')).status!;
    expect(status.phase).toBe('Failed');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'PauseFailed', reason: 'PodNotFound', message: 'commit failed' }));
  });

  it("writes nothing over a newer pause's Pausing: the start's claim no longer stands", async () => {
    const bs = await runningSandbox('pf-stale');
    await runPod(bs, 0);
    const start = await activities.markPausing(refOf(bs), 1);
    if (!start.proceed) throw new Error(start.why);
    expect(start.claim).toBe(1);
    // The client resumed and paused again meanwhile: a newer pause (generation 4) is Pausing now.
    await objects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'pf-stale', body: { spec: { pause: false } } },
      MERGE_PATCH,
    );
    await objects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name: 'pf-stale', body: { spec: { pause: true } } },
      MERGE_PATCH,
    );
    const newer = await ns.getSandbox('pf-stale');
    await objects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'batchsandboxes',
        name: 'pf-stale',
        body: { status: { pauseObservedGeneration: newer.metadata.generation } },
      },
      MERGE_PATCH,
    );
    const before = await ns.getSandbox('pf-stale');
    await activities.markPauseFailed(refOf(bs), { reason: 'SnapshotFailed', message: 'snapshot pf-stale-pause was replaced' }, start.claim);
    const after = await ns.getSandbox('pf-stale');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.status?.phase).toBe('Pausing');
    expect(eventsOf('pf-stale')).toEqual([]);
  });

  it('markPauseCancelled writes Succeed and records a Normal Event', async () => {
    const cancelled = await runningSandbox('mk-cancelled');
    await activities.markPausing(refOf(cancelled), 1);
    await activities.markPauseCancelled(refOf(cancelled));
    expect((await ns.getSandbox('mk-cancelled')).status?.phase).toBe('Succeed');
    expect(eventsOf('mk-cancelled')).toEqual(['Normal PauseCancelled']);
  });
});

// ---- snapshot --------------------------------------------------------------------------------------

describe('planCommit', () => {
  it('fails a snapshot of a missing sandbox, naming it, without creating a Job', async () => {
    const ref = await createSnapshot(aSandboxSnapshot('osb-snap-0123456789abcdef0123456789abcdef', namespace).sandboxName('no-such-sandbox').build());
    const step = await activities.planCommit(ref);
    expect(step).toEqual({ state: 'terminal', phase: 'Failed', reason: 'BatchSandboxLookupFailed', message: expect.stringContaining('no-such-sandbox') });
    const snapshot = await getSnapshot(ref.name);
    expect(snapshot.status).toMatchObject({ phase: 'Failed', observedGeneration: 1 });
    expect(await jobExists(commitJobName(ref.name))).toBe(false);
    // Terminal: a retry returns the same and writes nothing.
    await expect(activities.planCommit(ref)).resolves.toEqual(step);
    expect((await getSnapshot(ref.name)).metadata.resourceVersion).toBe(snapshot.metadata.resourceVersion);
  });

  it('ends with OBJECT_GONE for a snapshot replaced by a namesake', async () => {
    const ref = await createSnapshot(aSandboxSnapshot('snap-namesake', namespace).sandboxName('x').build());
    await expectObjectGone(activities.planCommit({ ...ref, uid: 'earlier-uid' }));
  });
});

describe('commit: planCommit, createCommitJob, checkCommitJob', () => {
  it('fails for good (API_REJECTED, not retried) when the apiserver refuses the commit Job (issue 13 item 8)', async () => {
    const bs = await runningSandbox('refused');
    await runPod(bs, 0);
    const [resolved] = await sourcesOf(refOf(bs), 1);
    const { snapshot: ref, commit } = await activities.preparePauseSnapshot(refOf(bs), resolved!, 1);
    if (commit.state !== 'planned') throw new Error(`not planned: ${JSON.stringify(commit)}`);
    await whileDenied(noJobsNamed(namespace, 'refused'), async () => {
      const refused = await activities.createCommitJob(ref, commit.target).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ApplicationFailure);
      expect(refused).toMatchObject({ type: API_REJECTED, nonRetryable: true });
      expect((refused as ApplicationFailure).message).toContain('commit jobs are not allowed here');
      expect(eventsOf(ref.name)).toEqual(['Warning FailedCreateJob']);
    });
  });

  it('runs the commit Job on the source node and records the committer’s result', async () => {
    const bs = await runningSandbox('cm');
    const source = await runPod(bs, 0);
    const [resolved] = await sourcesOf(refOf(bs), 1);
    const { snapshot: ref, commit } = await activities.preparePauseSnapshot(refOf(bs), resolved!, 1);

    // Planning from the cluster (a standalone snapshot run) gives the plan the pause made from its source.
    const step = await activities.planCommit(ref);
    if (step.state !== 'planned') throw new Error(`not planned: ${JSON.stringify(step)}`);
    expect(step).toEqual(commit);
    const image = 'registry.local:5000/snapshots/cm-sandbox:snap-gen1';
    expect(step).toEqual({
      state: 'planned',
      target: { podName: 'cm-0', nodeName: source.spec!.nodeName, containers: [{ containerName: 'sandbox', imageUri: image }] },
      deadlineSeconds: 120,
    });
    expect((await getSnapshot('cm-pause')).status).toMatchObject({ phase: 'Pending', sourcePodName: 'cm-0' });

    await activities.createCommitJob(ref, step.target);
    await activities.createCommitJob(ref, step.target); // a retry: AlreadyExists is done
    expect((await getSnapshot('cm-pause')).status).toMatchObject({ phase: 'Committing', sourcePodName: 'cm-0', sourceNodeName: source.spec!.nodeName });
    expect(eventsOf('cm-pause')).toEqual(['Normal CreatedJob']);
    const job = await batch.readNamespacedJob({ namespace, name: 'cm-pause-commit' });
    expect(job.spec?.template.spec?.nodeName).toBe(source.spec!.nodeName);

    // kube-controller-manager creates the pod; the stack's simulated committer commits on the source node
    // and leaves its result in the termination message, as the real one does.
    // checkCommitJob records the result as soon as it finds the Job succeeded.
    await waitUntil(async () => (await activities.checkCommitJob(ref)).state === 'committed', { what: 'commit job succeeded', ...WAIT });
    const done = await getSnapshot('cm-pause');
    expect(done.status).toMatchObject({ phase: 'Succeed', containers: [{ containerName: 'sandbox', imageUri: image }] });
    expect(done.status?.containers?.[0]?.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(eventsOf('cm-pause')).toEqual(['Normal CreatedJob', 'Normal JobSucceeded']);
    // Terminal: checking again writes and announces nothing.
    const recorded = done.metadata.resourceVersion;
    await expect(activities.checkCommitJob(ref)).resolves.toEqual({ state: 'committed' });
    expect((await getSnapshot('cm-pause')).metadata.resourceVersion).toBe(recorded);
    expect(eventsOf('cm-pause')).toEqual(['Normal CreatedJob', 'Normal JobSucceeded']);

    await activities.deleteCommitJob(ref);
    await activities.deleteCommitJob(ref); // 404 = done
    expect(await jobExists('cm-pause-commit')).toBe(false);
  });

  it('checkCommitJob says missing when there is no Job', async () => {
    const ref = await createSnapshot(aSandboxSnapshot('snap-nojob', namespace).sandboxName('x').build());
    await expect(activities.checkCommitJob(ref)).resolves.toEqual({ state: 'missing' });
  });

  it('recordSnapshotFailure writes Failed and creates the unpause Job for a planned source', async () => {
    const ref = await createSnapshot(aSandboxSnapshot('snap-fail', namespace).sandboxName('x').build(), {
      phase: 'Committing',
      sourcePodName: 'x-0',
      sourceNodeName: node(),
      containers: [{ containerName: 'sandbox', imageUri: 'registry.local/x-sandbox:snap-1' }],
    });
    await activities.recordSnapshotFailure(ref, { reason: 'Timeout', message: 'commit job snap-fail-commit ran longer than its deadline' });
    const snapshot = await getSnapshot('snap-fail');
    expect(snapshot.status?.phase).toBe('Failed');
    expect(snapshot.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Failed', reason: 'Timeout' }));
    const unpause = await batch.readNamespacedJob({ namespace, name: unpauseJobName('snap-fail') });
    expect(unpause.spec?.template.spec?.containers[0]?.args).toEqual(['unpause', 'x-0', namespace, 'sandbox']);
    expect(eventsOf('snap-fail')).toEqual(['Warning JobFailed']);
  });
});

// ---- resume ----------------------------------------------------------------------------------------

/** A paused sandbox asking to resume (generation 2, acknowledged up to 1) with its succeeded snapshot. */
async function pausedSandbox(name: string): Promise<BatchSandbox> {
  const bs = await sandboxWith(aBatchSandbox(name, namespace).template().pause(true).build(), { phase: 'Paused', pauseObservedGeneration: 1 });
  // The resume intent is a spec change of its own: generation 2.
  await objects.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: 'batchsandboxes', name, body: { spec: { pause: false } } },
    MERGE_PATCH,
  );
  const snapshot = aSandboxSnapshot(`${name}-pause`, namespace).pauseOf(bs, 1).build();
  await createSnapshot(snapshot, {
    phase: 'Succeed',
    containers: [{ containerName: 'sandbox', imageUri: `registry.local/${name}-sandbox:snap-gen1`, imageDigest: 'sha256:1' }],
  });
  return ns.getSandbox(name);
}

describe('resume', () => {
  it('marks Resuming, rewrites the template once, recreates the pod, waits for it and deletes the snapshot', async () => {
    const bs = await pausedSandbox('rs');
    const ref = refOf(bs);
    expect(bs.metadata.generation).toBe(2);
    const start = await activities.markResuming(ref, 2);
    await expect(activities.markResuming(ref, 2)).resolves.toEqual(start); // a retry
    expect((await ns.getSandbox('rs')).status?.phase).toBe('Resuming');
    if (!start.proceed) throw new Error(start.why);
    const snapshots = start.snapshots;
    if (!snapshots.ok) throw new Error(snapshots.message);
    expect(snapshots.restores).toEqual([
      {
        index: 0,
        snapshotName: 'rs-pause',
        containers: [{ containerName: 'sandbox', imageUri: 'registry.local/rs-sandbox:snap-gen1', imageDigest: 'sha256:1' }],
      },
    ]);
    await expect(activities.rewriteTemplate(ref, snapshots.restores)).resolves.toEqual({ ok: true });
    const rewritten = await ns.getSandbox('rs');
    expect(rewritten.spec.template?.spec.containers[0]?.image).toBe('registry.local/rs-sandbox:snap-gen1');
    expect(rewritten.spec.template?.spec.imagePullSecrets).toEqual([{ name: 'resume-pull' }]);
    await expect(activities.rewriteTemplate(ref, snapshots.restores)).resolves.toEqual({ ok: true });
    expect((await ns.getSandbox('rs')).metadata.resourceVersion).toBe(rewritten.metadata.resourceVersion);

    await activities.recreatePods(ref);
    await activities.recreatePods(ref); // AlreadyExists / present = done
    const pod = await getPod('rs-0');
    expect(pod?.spec?.containers[0]?.image).toBe('registry.local/rs-sandbox:snap-gen1');
    expect(pod?.metadata?.ownerReferences?.[0]?.uid).toBe(bs.metadata.uid);

    await waitUntil(async () => (await activities.inspectResumedPods(ref)).state === 'ready', { what: 'resumed pod ready', ...WAIT });

    await activities.markResumed(ref, 2);
    expect((await ns.getSandbox('rs')).status?.phase).toBe('Succeed');
    await waitUntil(async () => (await findSnapshot('rs-pause')) === undefined, { what: 'rs-pause deleted', ...WAIT });
    expect(eventsOf('rs')).toEqual(['Normal Resumed']);

    // A pause of generation 3 began as soon as the client saw the sandbox running; the resume's step,
    // retried after that, leaves the new pause's snapshot alone.
    await createSnapshot(aSandboxSnapshot('rs-pause', namespace).pauseOf(bs, 3).build(), { phase: 'Committing' });
    await activities.markResumed(ref, 2);
    // markResumed awaits the deletes it makes: the snapshot is either gone or being deleted by now.
    const kept = await findSnapshot('rs-pause');
    expect(kept?.metadata.deletionTimestamp).toBeUndefined();
    expect(pauseGenerationOf(kept!)).toBe(3);

    // A pause's outcome repeated after the sandbox was resumed (its workflow task was not recorded, so the
    // step ran again and found the snapshot retired) writes nothing over the running sandbox.
    const before = await ns.getSandbox('rs');
    await activities.markPauseFailed(ref, { reason: 'SnapshotFailed', message: 'snapshot rs-pause is gone' });
    const after = await ns.getSandbox('rs');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.status?.conditions?.map((c) => c.type)).not.toContain('PauseFailed');
    // The repeated markResumed wrote nothing either: one Resumed Event.
    expect(eventsOf('rs')).toEqual(['Normal Resumed']);
  });

  it('markResuming on a retry without a snapshot says why and whether a pod is Ready anyway', async () => {
    const bs = await sandboxWith(aBatchSandbox('rs-none', namespace).template().pause(false).build(), { phase: 'Resuming' });
    const generation = bs.metadata.generation!;
    await expect(activities.markResuming(refOf(bs), generation)).resolves.toEqual({
      proceed: true,
      snapshots: { ok: false, reason: 'SnapshotNotFound', message: 'SandboxSnapshot rs-none-pause not found', hasReadyPod: false },
      claim: generation,
    });
    await runPod(bs, 0);
    await expect(activities.markResuming(refOf(bs), generation)).resolves.toMatchObject({ proceed: true, snapshots: { ok: false, hasReadyPod: true } });
  });

  it('markResumeFailed keeps the snapshot and records a Warning', async () => {
    const bs = await pausedSandbox('rs-fail');
    await activities.markResuming(refOf(bs), 2);
    await activities.markResumeFailed(refOf(bs), { phase: 'Paused', reason: 'SnapshotNotReady', message: 'not ready' });
    const status = (await ns.getSandbox('rs-fail')).status!;
    expect(status.phase).toBe('Paused');
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'ResumeFailed', reason: 'SnapshotNotReady' }));
    expect(await findSnapshot('rs-fail-pause')).toBeDefined();
    expect(eventsOf('rs-fail')).toEqual(['Warning ResumeFailed']);
  });
});
