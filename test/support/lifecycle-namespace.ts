// Pause/resume as a client sees it, in one test namespace: the server's spec.pause writes (with the retry
// bridge), the sandbox phase and conditions, SandboxSnapshots, commit Jobs, push Secrets.
import { BatchV1Api, CustomObjectsApi, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, SANDBOX_SNAPSHOT, VERSION } from '../../api/v1alpha1/group.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { controllerOf, isTerminating } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../../stack/wait-until.js';
import { SIMULATED_REGISTRY_PASSWORD, SIMULATED_REGISTRY_USERNAME } from '../../stack/simulated-registry.js';
import type { PoolNamespace } from './pool-namespace.js';
import { testKubeConfig } from './stack.js';

/** Commits and pushes on the simulated nodes take well under a second; this covers a loaded machine. */
const WAIT_MS = 90_000;

export class LifecycleNamespace {
  private readonly objects: CustomObjectsApi;
  private readonly batch: BatchV1Api;

  constructor(private readonly ns: PoolNamespace) {
    const kc = testKubeConfig();
    this.objects = kc.makeApiClient(CustomObjectsApi);
    this.batch = kc.makeApiClient(BatchV1Api);
  }

  private get namespace(): string {
    return this.ns.namespace;
  }

  /** What the server writes: spec.pause true / false / null (a merge patch; null removes the field). */
  async setPause(name: string, pause: boolean | null): Promise<void> {
    await this.objects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural: BATCH_SANDBOX.plural, name, body: { spec: { pause } } },
      MERGE_PATCH,
    );
  }

  async patchSandboxSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.objects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural: BATCH_SANDBOX.plural, name, body: { spec } },
      MERGE_PATCH,
    );
  }

  /** A status write as another client (or a forger) would make it. */
  async patchSandboxStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.objects.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural: BATCH_SANDBOX.plural, name, body: { status } },
      MERGE_PATCH,
    );
  }

  /** Waits until the sandbox satisfies `check`; returns it. */
  async waitForSandbox(name: string, what: string, check: (bs: BatchSandbox) => boolean, timeoutMs = WAIT_MS): Promise<BatchSandbox> {
    let last: BatchSandbox | undefined;
    await waitUntil(
      async () => {
        last = await this.ns.getSandbox(name);
        return check(last);
      },
      { what: `BatchSandbox ${name}: ${what} (last status ${JSON.stringify(last?.status)})`, timeoutMs, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last status ${JSON.stringify(last?.status)}`);
    });
    return last!;
  }

  waitForPhase(name: string, phase: string, timeoutMs = WAIT_MS): Promise<BatchSandbox> {
    return this.waitForSandbox(name, `phase ${phase}`, (bs) => bs.status?.phase === phase, timeoutMs);
  }

  /** Waits for `phase` with the intent of the current generation acknowledged. */
  waitForSettled(name: string, phase: string, timeoutMs = WAIT_MS): Promise<BatchSandbox> {
    return this.waitForSandbox(
      name,
      `phase ${phase}, generation acknowledged`,
      (bs) => bs.status?.phase === phase && bs.status.pauseObservedGeneration === bs.metadata.generation,
      timeoutMs,
    );
  }

  async getSnapshot(name: string): Promise<SandboxSnapshot | undefined> {
    try {
      return (await this.objects.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: this.namespace,
        plural: SANDBOX_SNAPSHOT.plural,
        name,
      })) as SandboxSnapshot;
    } catch (err) {
      if (isApiStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async createSnapshot(body: SandboxSnapshot): Promise<void> {
    await this.objects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: SANDBOX_SNAPSHOT.plural, body });
  }

  async patchSnapshotStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.objects.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural: SANDBOX_SNAPSHOT.plural, name, body: { status } },
      MERGE_PATCH,
    );
  }

  async waitForSnapshot(name: string, what: string, check: (s: SandboxSnapshot | undefined) => boolean): Promise<SandboxSnapshot | undefined> {
    let last: SandboxSnapshot | undefined;
    await waitUntil(
      async () => {
        last = await this.getSnapshot(name);
        return check(last);
      },
      { what: `SandboxSnapshot ${name}: ${what}`, timeoutMs: WAIT_MS, intervalMs: 100 },
    );
    return last;
  }

  /** Jobs labelled with the snapshot (commit and unpause), terminating ones left out. */
  async jobsOf(snapshot: string): Promise<V1Job[]> {
    const { items } = await this.batch.listNamespacedJob({
      namespace: this.namespace,
      labelSelector: `${LABELS.sandboxSnapshotName}=${snapshot}`,
    });
    return items.filter((job) => !job.metadata?.deletionTimestamp);
  }

  /** Live (non-terminating) pods controlled by the sandbox. */
  async podsOf(sandbox: BatchSandbox): Promise<V1Pod[]> {
    const { items } = await this.ns.core.listNamespacedPod({ namespace: this.namespace });
    return items.filter((pod) => controllerOf(pod)?.uid === sandbox.metadata.uid && !isTerminating(pod));
  }

  /** A dockerconfigjson Secret for `registryHost`, with the simulated registry's account or a wrong password. */
  async putPushSecret(name: string, registryHost: string, credentials: 'good' | 'bad'): Promise<void> {
    const password = credentials === 'good' ? SIMULATED_REGISTRY_PASSWORD : 'wrong-password';
    const auth = Buffer.from(`${SIMULATED_REGISTRY_USERNAME}:${password}`).toString('base64');
    const body = {
      metadata: { name },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [registryHost]: { auth } } })).toString('base64') },
    };
    try {
      await this.ns.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (err) {
      if (!isApiStatus(err, 409)) throw err;
      await this.ns.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    }
  }
}
