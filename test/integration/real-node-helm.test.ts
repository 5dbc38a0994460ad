// The chart installed for real (issue 12): `helm install` of charts/opensandbox-operator into the real
// node's cluster, two replicas of the operator's image from the stack's registry, Temporal from
// temporal-dev.yaml in the same namespace (reached through its Service, no cluster DNS here: by ClusterIP),
// the operator reaching the apiserver through the `kubernetes` Service with the chart's own token volume.
// Then what a user does: a pooled sandbox allocated, a task run, a pause that a `helm upgrade` rolls the
// operator under (Temporal keeps the run; the new pods finish it), a resume with the data kept, and
// `helm uninstall` leaving no operator object behind (the CRDs stay, as Helm does).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiextensionsV1Api, AppsV1Api, PolicyV1Api, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { RESOURCES } from '../../api/v1alpha1/group.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { isReady, podName } from '../../planners/kube/pod-state.js';
import { REAL_NODE_LABEL } from '../../stack/real-node/kubelet.js';
import { REPO_ROOT, resolveToolchain } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { operatorRssMb, pushOperatorImage } from '../support/operator-image.js';
import { PoolNamespace } from '../support/pool-namespace.js';
import { execInPod, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode, testKubeConfig, testStackInfo } from '../support/stack.js';
import { applyTemporalDev, type TemporalInCluster } from '../support/temporal-in-cluster.js';

const realNode = requireRealNode();
const suffix = randomBytes(4).toString('hex');
const release = `osb-${suffix}`;
const ns = new PoolNamespace(`helm-real-${suffix}`);
const namespace = ns.namespace;
const life = new LifecycleNamespace(ns);
const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const policy = kc.makeApiClient(PolicyV1Api);
const extensions = kc.makeApiClient(ApiextensionsV1Api);
const chartDir = join(REPO_ROOT, 'charts', 'opensandbox-operator');
const workDir = mkdtempSync(join(tmpdir(), 'helm-real-'));
const fullName = `${release}-opensandbox-operator`;
// The operator pods (the chart's node agent pods share the instance label, not the name).
const selector = `app.kubernetes.io/name=opensandbox-operator,app.kubernetes.io/instance=${release}`;
const WAIT_MS = 120_000;
let temporal: TemporalInCluster | undefined;
let installed = false;

function helm(args: string[]): string {
  const result = spawnSync(resolveToolchain().helm, [...args, '--kubeconfig', testStackInfo().kubeconfigPath, '-n', namespace], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

async function operatorPods() {
  return (await ns.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
}

/** The Deployment rolled out: every replica of its current template Ready, no old pod left. */
async function rolledOut(): Promise<V1Deployment | undefined> {
  const deployment = await apps.readNamespacedDeployment({ name: fullName, namespace });
  const { status, spec, metadata } = deployment;
  const done =
    status?.observedGeneration === metadata?.generation &&
    status?.updatedReplicas === spec?.replicas &&
    status?.readyReplicas === spec?.replicas &&
    status?.replicas === spec?.replicas;
  if (!done) return undefined;
  const pods = (await operatorPods()).filter((p) => !p.metadata?.deletionTimestamp);
  return pods.length === spec?.replicas && pods.every(isReady) ? deployment : undefined;
}

/** Why the operator pods are not there yet, with their logs: a failed wait says it. */
async function operatorState(): Promise<string> {
  const lines: string[] = [];
  for (const pod of await operatorPods()) {
    const state = JSON.stringify(pod.status?.containerStatuses?.[0]?.state ?? pod.status?.phase);
    const log = await ns.core.readNamespacedPodLog({ name: podName(pod), namespace, tailLines: 15 }).catch((err: unknown) => `(no log: ${String(err)})`);
    lines.push(`${podName(pod)} ${state}\n${log}`);
  }
  return lines.join('\n') || 'no operator pods';
}

async function explained<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new Error(`${(err as Error).message}\noperator pods:\n${await operatorState()}`, { cause: err });
  }
}

beforeAll(async () => {
  await ns.create();
}, 60_000);

afterAll(async () => {
  if (installed)
    spawnSync(resolveToolchain().helm, ['uninstall', release, '-n', namespace, '--kubeconfig', testStackInfo().kubeconfigPath, '--wait', '--timeout', '60s']);
  await ns.delete();
  await temporal?.removeVolume();
  rmSync(workDir, { recursive: true, force: true });
}, 180_000);

describe('helm install on the real node', () => {
  it('installs two replicas that serve, pause across a helm upgrade and resume, and uninstalls without leftovers', async () => {
    const [image, temporalDev] = await Promise.all([pushOperatorImage(realNode), applyTemporalDev(realNode, namespace, WAIT_MS)]);
    temporal = temporalDev;
    const [imageRepository, digest] = [image.repository, image.digest];
    const values = join(workDir, 'values.yaml');
    writeFileSync(
      values,
      stringify({
        image: { registry: realNode.registry, repository: imageRepository, digest },
        replicaCount: 2,
        watchNamespace: namespace,
        temporal: { address: temporal.address },
        snapshot: {
          registry: `${realNode.registry}/snapshots`,
          registryInsecure: true,
          committerImage: realNode.images.imageCommitter,
          containerdSocketPath: realNode.containerdSocket,
        },
        // The chart's own node agent commits the pause (the stack's agent lives in another namespace).
        commitAgent: {
          enabled: true,
          stateDir: join(workDir, 'commit-agent-state'),
          nodeSelector: { [REAL_NODE_LABEL]: 'true' },
          tolerations: [{ key: REAL_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
        },
        nodeSelector: { [REAL_NODE_LABEL]: 'true' },
        tolerations: [{ key: REAL_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
      }),
    );

    const started = Date.now();
    helm(['install', release, chartDir, '-f', values]);
    installed = true;
    await explained(() => waitUntil(async () => (await rolledOut()) !== undefined, { what: 'two operator pods Ready', timeoutMs: WAIT_MS }));
    const installToReadyMs = Date.now() - started;
    const firstPods = (await operatorPods()).map((p) => p.metadata!.uid!);
    expect(firstPods).toHaveLength(2);

    // A pooled sandbox from a Pool on the real node.
    await ns.createPool(
      aPool('warm', namespace)
        .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
        .capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 3 })
        .build(),
    );
    await explained(() => ns.waitForStablePool('warm', (s) => s.available >= 1));
    await ns.createSandbox(aBatchSandbox('pooled', namespace).poolRef('warm').build());
    const [pooledPod] = await explained(() => ns.waitForAllocation('pooled', 1));
    await life.waitForSandbox('pooled', 'ready', (bs) => bs.status?.ready === 1, WAIT_MS);

    // A task, run by the project's task-executor in the sandbox's pod.
    const executorTemplate = realNodeTemplate(realNode, []);
    executorTemplate.spec.containers = [{ name: 'task-executor', image: realNode.images.taskExecutor }];
    await ns.createSandbox(
      aBatchSandbox('task', namespace)
        .template(executorTemplate)
        .tasks({ spec: { process: { command: ['sh', '-c', 'echo done'] } } })
        .build(),
    );
    await explained(() => life.waitForSandbox('task', 'taskSucceed = 1', (bs) => bs.status?.taskSucceed === 1, WAIT_MS));

    // A pause in flight while helm upgrade replaces the operator pods (the run is Temporal's, not a pod's):
    // asked for as the first old pod starts to terminate, so its worker's shutdown and the second pod's
    // replacement happen while the pause runs.
    await execInPod(namespace, pooledPod!, 'sandbox', 'echo kept > /tmp/kept.txt');
    helm(['upgrade', release, chartDir, '--reuse-values', '--set', 'logLevel=debug']);
    await explained(() =>
      waitUntil(async () => (await operatorPods()).some((p) => firstPods.includes(p.metadata!.uid!) && p.metadata?.deletionTimestamp), {
        what: 'the first old operator pod terminating',
        timeoutMs: WAIT_MS,
      }),
    );
    await life.setPause('pooled', true);
    await explained(() => life.waitForSettled('pooled', 'Paused', WAIT_MS));
    const { items: committed } = await ns.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=pooled-pause,reason=Committed' });
    expect(committed).toHaveLength(1);
    // How far the rollout had come when the pause ended (a small commit may end before the second old pod
    // goes): reported, not assumed.
    const firstPodsLiveAtPaused = (await operatorPods()).filter((p) => firstPods.includes(p.metadata!.uid!) && !p.metadata?.deletionTimestamp).length;
    await explained(() => waitUntil(async () => (await rolledOut()) !== undefined, { what: 'the upgrade rolled out', timeoutMs: WAIT_MS }));
    const upgradedPods = (await operatorPods()).filter((p) => !p.metadata?.deletionTimestamp);
    expect(upgradedPods.map((p) => p.metadata!.uid!).filter((uid) => firstPods.includes(uid))).toEqual([]);
    expect(upgradedPods[0]!.spec!.containers[0]!.env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });

    await life.setPause('pooled', false);
    const resumed = await explained(() => life.waitForSandbox('pooled', 'resumed', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS));
    const [restored] = await life.podsOf(resumed);
    expect(await execInPod(namespace, podName(restored!), 'sandbox', 'cat /tmp/kept.txt')).toBe('kept\n');
    const rssMb = upgradedPods.map((p) => operatorRssMb(p.metadata!.uid!));

    // What the user removes before the operator: its sandboxes (their finalizers are the operator's).
    for (const name of ['pooled', 'task']) await ns.deleteSandbox(name);
    for (const name of ['pooled', 'task']) await explained(() => ns.waitForSandboxGone(name));
    await ns.deletePool('warm');

    helm(['uninstall', release, '--wait', '--timeout', '90s']);
    installed = false;
    await waitUntil(async () => (await operatorPods()).length === 0, { what: 'operator pods gone', timeoutMs: WAIT_MS });
    const gone = async (read: () => Promise<unknown>) =>
      read().then(
        () => false,
        (err: unknown) => {
          if (isApiStatus(err, 404)) return true;
          throw err;
        },
      );
    expect(await gone(() => apps.readNamespacedDeployment({ name: fullName, namespace }))).toBe(true);
    expect(await gone(() => ns.core.readNamespacedServiceAccount({ name: fullName, namespace }))).toBe(true);
    expect(await gone(() => rbac.readClusterRole({ name: fullName }))).toBe(true);
    expect(await gone(() => rbac.readClusterRoleBinding({ name: fullName }))).toBe(true);
    expect(await gone(() => policy.readNamespacedPodDisruptionBudget({ name: fullName, namespace }))).toBe(true);
    expect(await gone(() => apps.readNamespacedDaemonSet({ name: `${fullName}-commit-agent`, namespace }))).toBe(true);
    for (const { crdName } of RESOURCES) expect(await gone(() => extensions.readCustomResourceDefinition({ name: crdName }))).toBe(false);

    process.stdout.write(
      `${JSON.stringify({ figure: 'helm-real-node', image: image.reference, install_to_ready_ms: installToReadyMs, operator_rss_mb: rssMb, first_pods_live_when_paused: firstPodsLiveAtPaused })}\n`,
    );
  }, 600_000);
});
