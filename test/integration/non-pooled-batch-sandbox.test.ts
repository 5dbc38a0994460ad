// Non-pooled BatchSandboxes on the real stack, with the BatchSandbox controller running in-process (its own
// informers on this file's namespace) and kwok playing the kubelet: bound pods turn Running/Ready with an
// IP. Ports the upstream non-pooled e2e cases (spec §8: 8, 10) in meaning, plus what we do beyond upstream
// (scale-down, pod recreation, expiry across a controller restart, bad objects reported and skipped).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { API_VERSION, BATCH_SANDBOX, GROUP, VERSION } from '../../api/v1alpha1/group.js';
import { systemClock } from '../../kernel/clock.js';
import { createEventRecorder, type KubeEventRecorder } from '../../kernel/events.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { createLogger } from '../../kernel/logger.js';
import { waitUntil } from '../../stack/wait-until.js';
import { BatchSandboxController } from '../../watchers/batch-sandbox-controller.js';
import { createOperatorInformers, type OperatorInformers } from '../../watchers/operator-informers.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';
import { loadUpstreamFixtures } from '../support/upstream-fixtures.js';

const namespace = `non-pooled-${Date.now().toString(36)}`;
const kubeConfig = testKubeConfig();
const core = kubeConfig.makeApiClient(CoreV1Api);
const objects = kubeConfig.makeApiClient(CustomObjectsApi);
const crd = { group: GROUP, version: VERSION, namespace, plural: BATCH_SANDBOX.plural };
const log = createLogger('error');

interface RunningController {
  informers: OperatorInformers;
  controller: BatchSandboxController;
  events: KubeEventRecorder;
}

async function startController(): Promise<RunningController> {
  const informers = createOperatorInformers({ kubeConfig, namespace, log });
  const events = createEventRecorder({ core, log, clock: systemClock });
  const controller = new BatchSandboxController({ informers, customObjects: objects, core, events, log, clock: systemClock });
  controller.start();
  await informers.start();
  return { informers, controller, events };
}

async function stopController({ informers, controller, events }: RunningController): Promise<void> {
  await controller.stop();
  await informers.stop();
  await events.flush();
}

let running: RunningController;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  running = await startController();
}, 60_000);

afterAll(async () => {
  await stopController(running);
  await core.deleteNamespace({ name: namespace }).catch(() => {});
}, 60_000);

// ---- helpers ---------------------------------------------------------------------------------------

type Json = Record<string, any>;

const createSandbox = async (body: BatchSandbox | Json) => objects.createNamespacedCustomObject({ ...crd, body });
const getSandbox = async (name: string) => (await objects.getNamespacedCustomObject({ ...crd, name })) as BatchSandbox;
const patchSandbox = (name: string, body: Json) => objects.patchNamespacedCustomObject({ ...crd, name, body }, MERGE_PATCH);

async function sandboxGone(name: string): Promise<boolean> {
  try {
    await getSandbox(name);
    return false;
  } catch (err) {
    if (isApiStatus(err, 404)) return true;
    throw err;
  }
}

/** Pods of a sandbox that are not on their way out, by name. */
async function livePods(name: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.batchSandboxName}=${name}` });
  const live = list.items.filter((p) => !p.metadata?.deletionTimestamp);
  return live.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const endpointsOf = (bs: BatchSandbox): string[] => JSON.parse(bs.metadata.annotations?.[ANNOTATIONS.endpoints] ?? '[]');

/** Waits until the sandbox reports `replicas` ready pods, phase Succeed and one endpoint per pod. */
async function waitForRunning(name: string, replicas: number): Promise<BatchSandbox> {
  let bs: BatchSandbox | undefined;
  await waitUntil(
    async () => {
      bs = await getSandbox(name);
      const s = bs.status;
      return s?.phase === 'Succeed' && s.replicas === replicas && s.ready === replicas && endpointsOf(bs).length === replicas;
    },
    { what: `BatchSandbox ${name} running with ${replicas} ready pods`, timeoutMs: 30_000, intervalMs: 200 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify({ status: bs?.status, annotations: bs?.metadata.annotations })}`);
  });
  return bs!;
}

/**
 * kube-controller-manager's garbage collector learns about a CRD's kind on its discovery resync (every
 * 30 s), so in a stack that has just installed the CRDs the first owner deletions can wait that long.
 */
async function waitForGarbageCollection(name: string): Promise<void> {
  await waitUntil(async () => (await livePods(name)).length === 0, {
    what: `pods of ${name} garbage-collected (kube-controller-manager)`,
    timeoutMs: 75_000,
    intervalMs: 250,
  });
}

async function eventsOf(name: string) {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

async function waitForEvent(name: string, reason: string) {
  let found: Awaited<ReturnType<typeof eventsOf>>[number] | undefined;
  await waitUntil(
    async () => {
      found = (await eventsOf(name)).find((e) => e.reason === reason);
      return found !== undefined;
    },
    { what: `a ${reason} event on ${name}`, timeoutMs: 20_000, intervalMs: 200 },
  );
  return found!;
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
/** What the server writes: Python isoformat with microseconds and +00:00. */
const pythonIso = (date: Date) => date.toISOString().replace('Z', '000+00:00');
const fixture = (suffix: string): Json => loadUpstreamFixtures(namespace).find((f) => f.name.endsWith(suffix))!.object;
const sandbox = (name: string, replicas = 1) => aBatchSandbox(name, namespace).replicas(replicas).template();

// ---- cases -----------------------------------------------------------------------------------------

describe('non-pooled BatchSandbox (kwok plays the kubelet: pods become Running/Ready with an IP)', () => {
  it('runs N pods <bs>-<i>, owned by the sandbox, and reports replicas/allocated/ready = N, phase Succeed and N endpoints (upstream e2e 8)', async () => {
    const body = fixture('e2e-testdata/batchsandbox-non-pooled.yaml#0');
    body.metadata.name = 'basic';
    body.spec.replicas = 3;
    await createSandbox(body);
    const bs = await waitForRunning('basic', 3);

    const pods = await livePods('basic');
    expect(pods.map((p) => p.metadata?.name)).toEqual(['basic-0', 'basic-1', 'basic-2']);
    pods.forEach((pod, i) => {
      expect(pod.metadata?.labels).toMatchObject({ [LABELS.podIndex]: String(i), [LABELS.batchSandboxName]: 'basic' });
      expect(pod.metadata?.ownerReferences).toEqual([
        {
          apiVersion: API_VERSION,
          kind: 'BatchSandbox',
          name: 'basic',
          uid: bs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(testStackInfo().nodeNames).toContain(pod.spec?.nodeName);
      expect(pod.status?.phase).toBe('Running');
      expect(isReady(pod)).toBe(true);
    });
    expect(bs.metadata.annotations?.[ANNOTATIONS.endpoints]).toBe(JSON.stringify(pods.map((p) => p.status?.podIP)));
    expect(bs.status).toMatchObject({ replicas: 3, allocated: 3, ready: 3, phase: 'Succeed', observedGeneration: 1 });
    expect(bs.status?.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', reason: 'PodsReady', message: 'Sandbox is running' })]);
    const created = (await eventsOf('basic')).filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
    expect(created).toEqual(expect.arrayContaining([0, 1, 2].map((i) => `succeed to create pod basic-${i}`)));
    // The informers cache objects without managedFields (watchers/trimmed-informer.ts); the API has them.
    expect(pods[0]!.metadata?.managedFields?.length).toBeGreaterThan(0);
    await waitUntil(async () => running.informers.pods.get('basic-0', namespace)?.status?.phase === 'Running', {
      what: 'basic-0 cached as Running',
      timeoutMs: 10_000,
    });
    expect(running.informers.pods.get('basic-0', namespace)?.metadata).not.toHaveProperty('managedFields');
    expect(running.informers.batchSandboxes.get('basic', namespace)?.metadata).not.toHaveProperty('managedFields');
  });

  it("serves the OpenSandbox server's template-mode body: Succeed, one endpoint, the pod labelled with the sandbox id", async () => {
    const body = fixture('server-templates/e2e.batchsandbox-template.yaml#0');
    const id = body.metadata.name as string;
    await createSandbox(body);
    const bs = await waitForRunning(id, 1);
    const [pod] = await livePods(id);
    expect(pod?.metadata?.labels?.['opensandbox.io/id']).toBe(id);
    expect(endpointsOf(bs)).toEqual([pod?.status?.podIP]);
  });

  it('applies shardPatches[i] to pod i by strategic merge (containers and env merge by name)', async () => {
    const template = {
      metadata: { labels: { app: 'shards' } },
      spec: { containers: [{ name: 'sandbox', image: 'sandbox:1', env: [{ name: 'BASE', value: '1' }] }] },
    };
    await createSandbox(
      aBatchSandbox('shards', namespace)
        .replicas(3)
        .template(template)
        .shardPatches([
          {
            metadata: { labels: { shard: 'zero' } },
            spec: { containers: [{ name: 'sandbox', env: [{ name: 'SHARD', value: '0' }] }] },
          },
          { spec: { containers: [{ name: 'sandbox', image: 'sandbox:2' }] } },
        ])
        .build(),
    );
    await waitForRunning('shards', 3);
    const [zero, one, two] = await livePods('shards');
    expect(zero?.metadata?.labels).toMatchObject({ app: 'shards', shard: 'zero' });
    expect(zero?.spec?.containers[0]?.env).toEqual([
      { name: 'SHARD', value: '0' },
      { name: 'BASE', value: '1' },
    ]);
    expect(one?.spec?.containers[0]).toMatchObject({ image: 'sandbox:2', env: [{ name: 'BASE', value: '1' }] });
    expect(two?.spec?.containers[0]).toMatchObject({ image: 'sandbox:1', env: [{ name: 'BASE', value: '1' }] });
    expect(two?.metadata?.labels?.shard).toBeUndefined();
  });

  it('scales up, then down deleting the highest index first', async () => {
    // The order in which the pods start going away, as the watch reports it.
    const goneOrder: string[] = [];
    const noteGone = (pod: V1Pod) => {
      const name = pod.metadata?.name ?? '';
      if (name.startsWith('scale-') && !goneOrder.includes(name)) goneOrder.push(name);
    };
    running.informers.pods.on('update', (pod) => {
      if (pod.metadata?.deletionTimestamp) noteGone(pod);
    });
    running.informers.pods.on('delete', noteGone);

    await createSandbox(sandbox('scale', 1).build());
    await waitForRunning('scale', 1);
    await patchSandbox('scale', { spec: { replicas: 3 } });
    await waitForRunning('scale', 3);
    await patchSandbox('scale', { spec: { replicas: 1 } });
    const bs = await waitForRunning('scale', 1);
    expect((await livePods('scale')).map((p) => p.metadata?.name)).toEqual(['scale-0']);
    expect(goneOrder).toEqual(['scale-2', 'scale-1']);
    expect(bs.status?.observedGeneration).toBe(3);
    const deleted = (await eventsOf('scale')).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    expect(deleted).toEqual(expect.arrayContaining(['succeed to delete pod scale-2', 'succeed to delete pod scale-1']));
  });

  it('recreates a pod deleted from outside, under the same name', async () => {
    await createSandbox(sandbox('heal', 2).build());
    await waitForRunning('heal', 2);
    const [first] = await livePods('heal');
    await core.deleteNamespacedPod({ namespace, name: 'heal-0' });
    await waitUntil(
      async () => {
        const pod = (await livePods('heal')).find((p) => p.metadata?.name === 'heal-0');
        return pod !== undefined && pod.metadata?.uid !== first?.metadata?.uid && isReady(pod);
      },
      { what: 'heal-0 recreated and Ready', timeoutMs: 30_000, intervalMs: 200 },
    );
    await waitForRunning('heal', 2);
  });
});

describe('BatchSandbox expiry', () => {
  it('deletes a sandbox whose expireTime is in the past, with an Expired event', async () => {
    await createSandbox(
      sandbox('past', 2)
        .expireTime(pythonIso(new Date(Date.now() - 60_000)))
        .build(),
    );
    await waitUntil(() => sandboxGone('past'), { what: 'BatchSandbox past deleted', timeoutMs: 20_000, intervalMs: 200 });
    const event = await waitForEvent('past', 'Expired');
    expect(event.type).toBe('Normal');
    expect(event.source?.component).toBe('opensandbox-operator');
  });

  // That an old deadline passing deletes nothing after a renewal is proved on the fake clock
  // (test/unit/batch-sandbox-controller.test.ts, expiry): here, that a changed expireTime re-arms the timer.
  it('follows a renewal: a changed expireTime moves the deletion', async () => {
    await createSandbox(
      sandbox('renewed')
        .expireTime(pythonIso(new Date(Date.now() + 3_600_000)))
        .build(),
    );
    await waitForRunning('renewed', 1);
    await patchSandbox('renewed', { spec: { expireTime: inSeconds(1) } });
    await waitUntil(() => sandboxGone('renewed'), { what: 'BatchSandbox renewed deleted', timeoutMs: 20_000, intervalMs: 200 });
  });

  it('still expires a sandbox after a controller restart: the new instance re-arms the deadline from the object', async () => {
    await createSandbox(sandbox('restart').expireTime(inSeconds(8)).build());
    await waitForRunning('restart', 1);
    await stopController(running);
    running = await startController();
    await waitUntil(() => sandboxGone('restart'), { what: 'BatchSandbox restart deleted', timeoutMs: 30_000, intervalMs: 200 });
  });

  it('deletes a running sandbox when its expireTime comes; kube-controller-manager garbage-collects its pods (upstream e2e 10)', async () => {
    const body = fixture('e2e-testdata/batchsandbox-non-pooled-expire.yaml#0');
    body.metadata.name = 'expiring';
    body.spec.expireTime = pythonIso(new Date(Date.now() + 6_000));
    await createSandbox(body);
    await waitForRunning('expiring', 2);
    await waitUntil(() => sandboxGone('expiring'), { what: 'BatchSandbox expiring deleted', timeoutMs: 30_000, intervalMs: 200 });
    await waitForGarbageCollection('expiring');
  });
});

describe('bad objects', () => {
  it('reports a sandbox that does not parse with a Warning event naming the field, and keeps serving the others', async () => {
    // The apiserver's date-time check reads only up to a second "t" (kube-openapi splits the value on it);
    // the operator reads the whole value and refuses to guess a deadline from it.
    await createSandbox(sandbox('bad-expiry').expireTime('2099-01-01T00:00:00Zt').build());
    await createSandbox(sandbox('fine').build());
    const event = await waitForEvent('bad-expiry', 'InvalidSpec');
    expect(event.type).toBe('Warning');
    expect(event.message).toMatch(/^spec\.expireTime: must be an RFC 3339 date-time/);
    // The sandbox says it too, where a client reading its status looks (issue 13).
    let condition: NonNullable<BatchSandbox['status']>['conditions'] = [];
    await waitUntil(async () => (condition = (await getSandbox('bad-expiry')).status?.conditions ?? []).length > 0, {
      what: 'InvalidSpec condition',
      timeoutMs: 30_000,
    });
    expect(condition).toHaveLength(1);
    expect(condition[0]).toMatchObject({ type: 'Progressing', status: 'True', message: event.message });
    await waitForRunning('fine', 1);
    expect(await livePods('bad-expiry')).toEqual([]);
  });
});

// Last: by now kube-controller-manager's garbage collector knows the BatchSandbox kind (see above).
describe('deletion', () => {
  it('garbage-collects the pods of a deleted sandbox through their owner reference (upstream e2e 8)', async () => {
    await createSandbox(sandbox('doomed', 2).build());
    await waitForRunning('doomed', 2);
    await objects.deleteNamespacedCustomObject({ ...crd, name: 'doomed' });
    await waitForGarbageCollection('doomed');
  });
});
