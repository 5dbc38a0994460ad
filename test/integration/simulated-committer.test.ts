// The local stack's simulated image-committer and failed image pulls (stack/simulated-committer.ts,
// stack/kwok-stages.yaml) on the real stack: commit Jobs built by the operator's planner run on a kwok
// node, kube-controller-manager's Job controller judges their pods, and an image on a `.invalid`
// registry never starts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { GROUP, SANDBOX_SNAPSHOT, VERSION } from '../../api/v1alpha1/group.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import {
  buildCommitJob,
  commitJobOutcome,
  DEFAULT_COMMIT_JOB_SETTINGS,
  readCommitResult,
  type CommitJobOutcome,
  type CommitJobSettings,
} from '../../planners/lifecycle/commit-job.js';
import { SIMULATED_COMMIT_ANNOTATION } from '../../stack/simulated-commit-outcome.js';
import { SIMULATED_REGISTRY_PASSWORD, SIMULATED_REGISTRY_USERNAME } from '../../stack/simulated-registry.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { testKubeConfig, testStackInfo } from '../support/stack.js';

const ns = `committer-${Date.now().toString(36)}`;
const REGISTRY = 'registry.example:5000/snapshots';
const WAIT_MS = 60_000;
let core: CoreV1Api;
let batch: BatchV1Api;
let objects: CustomObjectsApi;
let node: string;

beforeAll(async () => {
  const kc = testKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  objects = kc.makeApiClient(CustomObjectsApi);
  node = testStackInfo().nodeNames[0]!;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await Promise.all([
    sourcePod('bs-0'),
    sourcePod('bs-hang', { [SIMULATED_COMMIT_ANNOTATION]: 'hang' }),
    pushSecret('good-push', SIMULATED_REGISTRY_PASSWORD),
    pushSecret('bad-push', 'wrong'),
  ]);
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => {});
});

/** A sandbox pod on the commit node, Running (kwok). */
async function sourcePod(name: string, annotations: Record<string, string> = {}): Promise<void> {
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name, annotations },
      spec: { nodeName: node, containers: [{ name: 'sandbox', image: 'registry.example/sandbox:1' }] },
    },
  });
  await waitUntil(async () => (await core.readNamespacedPod({ namespace: ns, name })).status?.phase === 'Running', {
    what: `source pod ${name} Running`,
    timeoutMs: WAIT_MS,
  });
}

async function pushSecret(name: string, password: string): Promise<void> {
  const auth = Buffer.from(`${SIMULATED_REGISTRY_USERNAME}:${password}`).toString('base64');
  const config = JSON.stringify({ auths: { 'registry.example:5000': { auth } } });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(config).toString('base64') } },
  });
}

/** A real SandboxSnapshot (the Job's owner: garbage collection would remove a Job owned by nothing). */
async function snapshot(name: string): Promise<SandboxSnapshot> {
  const { metadata, ...rest } = aSandboxSnapshot(name, ns).build();
  return (await objects.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: ns,
    plural: SANDBOX_SNAPSHOT.plural,
    body: { ...rest, metadata: { name: metadata.name, namespace: ns } },
  })) as SandboxSnapshot;
}

const imageOf = (snapshotName: string): string => `${REGISTRY}/${snapshotName}-sandbox:snap-gen1`;

/**
 * Creates `<name>-commit` as the operator would, from a real snapshot `<name>`; returns the Job name.
 * `retries: false` sets backoffLimit 0 for Jobs that are meant to fail: each of buildCommitJob's three
 * retries would fail alike, after the Job controller's pod-failure backoff (10 s, 20 s, 40 s).
 */
async function createCommitJob(
  name: string,
  sourcePodName: string,
  settings: Partial<CommitJobSettings> = {},
  opts: { retries: boolean } = { retries: true },
): Promise<string> {
  const snap = await snapshot(name);
  const job = buildCommitJob(
    snap,
    { podName: sourcePodName, nodeName: node, containers: [{ containerName: 'sandbox', imageUri: imageOf(name) }] },
    { ...DEFAULT_COMMIT_JOB_SETTINGS, ...settings },
  );
  if (!opts.retries) job.spec!.backoffLimit = 0;
  return (await batch.createNamespacedJob({ namespace: ns, body: job })).metadata!.name!;
}

async function jobOutcome(name: string, until: CommitJobOutcome['state']): Promise<CommitJobOutcome> {
  let outcome: CommitJobOutcome = { state: 'running' };
  await waitUntil(
    async () => {
      outcome = commitJobOutcome(await batch.readNamespacedJob({ namespace: ns, name }));
      return outcome.state === until;
    },
    { what: `job ${name} ${until}`, timeoutMs: WAIT_MS, intervalMs: 250 },
  );
  return outcome;
}

const jobPods = async (job: string): Promise<V1Pod[]> =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;

const commitTermination = (pod: V1Pod) => pod.status?.containerStatuses?.find((s) => s.name === 'commit')?.state?.terminated;

describe('simulated image-committer', () => {
  it('completes a commit Job with the result in its pod termination message (anonymous and with good credentials)', async () => {
    const anonymous = await createCommitJob('snap-ok', 'bs-0');
    const withSecret = await createCommitJob('snap-login', 'bs-0', { pushSecretName: 'good-push' });
    const sourceUid = (await core.readNamespacedPod({ namespace: ns, name: 'bs-0' })).metadata!.uid!;
    for (const name of [anonymous, withSecret]) {
      expect(await jobOutcome(name, 'succeeded')).toEqual({ state: 'succeeded' });
      const pods = await jobPods(name);
      expect(pods.map((p) => p.status?.phase)).toEqual(['Succeeded']);
      const image = imageOf(name.replace(/-commit$/, ''));
      const digest = `sha256:${createHash('sha256').update(`${image}@${sourceUid}`).digest('hex')}`;
      expect(readCommitResult(name, pods)).toEqual({ ok: true, result: { containers: [{ name: 'sandbox', image, digest }] } });
    }
  });

  it('fails the Job when the push secret holds the wrong credentials', async () => {
    const job = await createCommitJob('snap-badauth', 'bs-0', { pushSecretName: 'bad-push' }, { retries: false });
    expect(await jobOutcome(job, 'failed')).toMatchObject({ state: 'failed', reason: 'CommitJobFailed' });
    const [pod] = await jobPods(job);
    expect(pod?.status?.phase).toBe('Failed');
    expect(commitTermination(pod!)).toMatchObject({
      exitCode: 1,
      reason: 'Error',
      message: `push ${imageOf('snap-badauth')}: unauthorized: authentication required`,
    });
  });

  it('fails a commit of a container the source pod does not have', async () => {
    const job = await createCommitJob('snap-nopod', 'no-such-pod', {}, { retries: false });
    await jobOutcome(job, 'failed');
    const [pod] = await jobPods(job);
    expect(commitTermination(pod!)?.message).toBe(`container sandbox of pod ${ns}/no-such-pod not found`);
  });

  it('leaves a hanging commit Running until the Job deadline fails it', async () => {
    const job = await createCommitJob('snap-hang', 'bs-hang', { timeoutSeconds: 3 });
    await waitUntil(async () => (await jobPods(job)).some((p) => p.status?.phase === 'Running'), {
      what: `a Running pod of ${job}`,
      timeoutMs: WAIT_MS,
    });
    expect(await jobOutcome(job, 'failed')).toMatchObject({ state: 'failed', reason: 'Timeout' });
  });

  it('keeps a commit pod with an unpullable committer image Pending in ErrImagePull', async () => {
    const image = 'registry.invalid/committer:x';
    const job = await createCommitJob('snap-nopull', 'bs-0', { committerImage: image });
    let pod: V1Pod | undefined;
    await waitUntil(
      async () => {
        [pod] = await jobPods(job);
        return pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull';
      },
      { what: `pod of ${job} waiting ErrImagePull`, timeoutMs: WAIT_MS },
    );
    expect(pod?.status?.phase).toBe('Pending');
    expect(pod?.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/^failed to pull image "registry\.invalid\/committer:x": .*no such host$/);
  });
});

describe('unpullable images', () => {
  it('a scheduled pod with an image on a .invalid registry never becomes Ready and waits ErrImagePull', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'unpullable' }, spec: { containers: [{ name: 'main', image: 'registry.invalid/web:1' }] } },
    });
    const read = () => core.readNamespacedPod({ namespace: ns, name: 'unpullable' });
    await waitUntil(async () => (await read()).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull', {
      what: 'pod unpullable waiting ErrImagePull',
      timeoutMs: WAIT_MS,
    });
    // Observed for a while: kwok must not turn it Ready behind the ErrImagePull status.
    const deadline = Date.now() + 4_000;
    while (Date.now() < deadline) {
      const pod = await read();
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImagePull');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(testStackInfo().nodeNames).toContain((await read()).spec?.nodeName);
  });
});
