// The Pools, pooled BatchSandboxes and pool pods of one test namespace, read and written through the real
// apiserver: what the upstream e2e cases (spec §8) observe with kubectl, with their waits and checks.
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX, GROUP, POOL, VERSION } from '../../api/v1alpha1/group.js';
import type { Pool, PoolStatus } from '../../api/v1alpha1/pool.js';
import { isApiStatus } from '../../kernel/kube-errors.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';
import { isReady, isTerminating, podName } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../../stack/wait-until.js';
import { testKubeConfig } from './stack.js';

type Json = Record<string, unknown>;

/** Generous: two cores shared with other engineers' stacks. */
const WAIT_MS = 60_000;

export class PoolNamespace {
  readonly core: CoreV1Api;
  private readonly objects: CustomObjectsApi;
  /** Set where an operator runs: what its pool workflow says, added to a timed-out pool wait's message. */
  diagnosePool?: (pool: string) => Promise<string>;

  constructor(readonly namespace: string) {
    const kc = testKubeConfig();
    this.core = kc.makeApiClient(CoreV1Api);
    this.objects = kc.makeApiClient(CustomObjectsApi);
  }

  async create(): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.namespace } } });
  }

  async delete(): Promise<void> {
    await this.core.deleteNamespace({ name: this.namespace }).catch(() => {});
  }

  private crd(plural: string) {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural };
  }

  // ---- Pools ---------------------------------------------------------------------------------------

  async createPool(pool: Pool): Promise<void> {
    await this.objects.createNamespacedCustomObject({ ...this.crd(POOL.plural), body: pool });
  }

  async getPool(name: string): Promise<Pool & { status?: PoolStatus }> {
    return (await this.objects.getNamespacedCustomObject({ ...this.crd(POOL.plural), name })) as Pool & { status?: PoolStatus };
  }

  async patchPool(name: string, body: Json): Promise<void> {
    await this.objects.patchNamespacedCustomObject({ ...this.crd(POOL.plural), name, body }, MERGE_PATCH);
  }

  async deletePool(name: string): Promise<void> {
    await this.objects.deleteNamespacedCustomObject({ ...this.crd(POOL.plural), name });
  }

  async poolStatus(name: string): Promise<PoolStatus | undefined> {
    return (await this.getPool(name)).status;
  }

  /** Waits until the pool status satisfies `check`; returns that status. */
  async waitForPoolStatus(name: string, what: string, check: (s: PoolStatus) => boolean): Promise<PoolStatus> {
    let last: PoolStatus | undefined;
    await waitUntil(
      async () => {
        last = await this.poolStatus(name);
        return last !== undefined && check(last);
      },
      { what: `pool ${name}: ${what}`, timeoutMs: WAIT_MS, intervalMs: 200 },
    ).catch(async (err: Error) => {
      const workflow = await this.poolWorkflowAccount(name);
      throw new Error(`${err.message}; last status ${JSON.stringify(last)}${workflow ? `; pool workflow ${workflow}` : ''}`);
    });
    return last!;
  }

  /** Upstream's waitPoolStable: every pod is either allocated or available, and there is at least one. */
  waitForStablePool(name: string, extra: (s: PoolStatus) => boolean = () => true): Promise<PoolStatus> {
    return this.waitForPoolStatus(name, 'stable (available + allocated == total > 0)', (s) => s.total > 0 && s.available + s.allocated === s.total && extra(s));
  }

  /** Pods of the pool that are not on their way out. */
  async livePoolPods(pool: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${LABELS.poolName}=${pool}` });
    return list.items.filter((pod) => !isTerminating(pod));
  }

  async runningPoolPods(pool: string): Promise<V1Pod[]> {
    return (await this.livePoolPods(pool)).filter(isReady);
  }

  /** Present and not terminating, by name. */
  async podsAlive(names: readonly string[]): Promise<boolean> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace });
    const live = new Set(list.items.filter((pod) => !isTerminating(pod)).map(podName));
    return names.every((name) => live.has(name));
  }

  /** None present, or all terminating. */
  async podsGone(names: readonly string[]): Promise<boolean> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace });
    const live = new Set(list.items.filter((pod) => !isTerminating(pod)).map(podName));
    return names.every((name) => !live.has(name));
  }

  async podUids(names: readonly string[]): Promise<Record<string, string | undefined>> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace });
    const byName = new Map(list.items.map((pod) => [podName(pod), pod.metadata?.uid]));
    return Object.fromEntries(names.map((name) => [name, byName.get(name)]));
  }

  async labelPods(names: readonly string[], labels: Record<string, string>): Promise<void> {
    await Promise.all(names.map((name) => this.core.patchNamespacedPod({ namespace: this.namespace, name, body: { metadata: { labels } } }, MERGE_PATCH)));
  }

  // ---- BatchSandboxes ------------------------------------------------------------------------------

  async createSandbox(body: BatchSandbox): Promise<void> {
    await this.objects.createNamespacedCustomObject({ ...this.crd(BATCH_SANDBOX.plural), body });
  }

  async getSandbox(name: string): Promise<BatchSandbox> {
    return (await this.objects.getNamespacedCustomObject({ ...this.crd(BATCH_SANDBOX.plural), name })) as BatchSandbox;
  }

  async deleteSandbox(name: string): Promise<void> {
    await this.objects.deleteNamespacedCustomObject({ ...this.crd(BATCH_SANDBOX.plural), name });
  }

  async sandboxGone(name: string): Promise<boolean> {
    try {
      await this.getSandbox(name);
      return false;
    } catch (err) {
      if (isApiStatus(err, 404)) return true;
      throw err;
    }
  }

  async waitForSandboxGone(name: string): Promise<void> {
    await waitUntil(() => this.sandboxGone(name), { what: `BatchSandbox ${name} gone`, timeoutMs: WAIT_MS, intervalMs: 200 });
  }

  /** The pods in the sandbox's alloc-status annotation. */
  async allocatedPods(name: string): Promise<string[]> {
    const value = (await this.getSandbox(name)).metadata.annotations?.[ANNOTATIONS.allocStatus];
    return value === undefined ? [] : parseAllocationAnnotation(value).pods;
  }

  /** Waits until alloc-status lists `replicas` pods; returns them. */
  async waitForAllocation(name: string, replicas: number): Promise<string[]> {
    let pods: string[] = [];
    await waitUntil(
      async () => {
        pods = await this.allocatedPods(name);
        return pods.length >= replicas;
      },
      { what: `BatchSandbox ${name} allocated ${replicas} pods`, timeoutMs: WAIT_MS, intervalMs: 200 },
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; ${await this.describeSandbox(name)}`);
    });
    return pods;
  }

  /** A timed-out sandbox wait's account: the sandbox's status and, if pooled, its Pool's and the pool workflow's. */
  private async describeSandbox(name: string): Promise<string> {
    const sandbox = await this.getSandbox(name).catch((e: Error) => e);
    if (sandbox instanceof Error) return `sandbox not read: ${sandbox.message}`;
    const pool = sandbox.spec.poolRef;
    const account = [`sandbox status ${JSON.stringify(sandbox.status)}`];
    if (namesPool(pool)) {
      account.push(`pool status ${JSON.stringify(await this.poolStatus(pool).catch((e: Error) => e.message))}`);
      const workflow = await this.poolWorkflowAccount(pool);
      if (workflow !== undefined) account.push(`pool workflow ${workflow}`);
    }
    return account.join('; ');
  }

  /** What the pool workflow says of itself, where an operator runs (or why it could not be asked). */
  private async poolWorkflowAccount(pool: string): Promise<string | undefined> {
    return this.diagnosePool?.(pool).catch((e: Error) => `not described: ${e.message}`);
  }
}

/**
 * A "stays so for N s" check (upstream e2e's Consistently): `probe` must hold at every poll for `ms`.
 * Fails at the first poll where it does not.
 */
export async function staysTrue(probe: () => Promise<boolean>, { what, ms }: { what: string; ms: number }): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await probe())) throw new Error(`stopped holding before ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
