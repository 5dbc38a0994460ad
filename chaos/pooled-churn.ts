// Pooled churn, as RL rollouts drive a pool: per Pool, a few clients each create a sandbox of 1-2
// replicas, wait for its allocation (up to the bound; then it is given up on, explained or not), hold
// it briefly, delete it, and go again until the run's end. Demand stays below each Pool's buffer, so
// a sandbox that waits is waiting on the operator, not on an empty pool.
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, VERSION } from '../api/v1alpha1/group.js';
import type { AllocationMonitor } from './allocation-monitor.js';
import { createRetrying, deleteRetrying } from './client-writes.js';
import type { SandboxWatch } from './sandbox-watch.js';

export interface PooledChurnOptions {
  kc: KubeConfig;
  namespace: string;
  pools: readonly string[];
  clientsPerPool: number;
  /** How long a client waits for an allocation before giving up on the sandbox. */
  allocationBoundMs: number;
  random: () => number;
  watch: SandboxWatch;
  monitor: AllocationMonitor;
  /** Clients start no new sandbox once this is true. */
  ending: () => boolean;
}

const crd = { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural };

export async function runPooledChurn(opts: PooledChurnOptions): Promise<void> {
  const objects = opts.kc.makeApiClient(CustomObjectsApi);
  let serial = 0;
  const client = async (pool: string): Promise<void> => {
    while (!opts.ending()) {
      const name = `${pool}-s${serial++}`;
      const replicas = opts.random() < 0.5 ? 1 : 2;
      await createRetrying(() =>
        objects.createNamespacedCustomObject({
          ...crd,
          namespace: opts.namespace,
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BatchSandbox', metadata: { name }, spec: { replicas, poolRef: pool } },
        }),
      );
      opts.monitor.created(opts.namespace, name, pool, replicas, performance.now());
      const allocated = await opts.watch.waitFor(opts.namespace, name, () => opts.monitor.isAllocated(opts.namespace, name), opts.allocationBoundMs);
      if (!allocated) opts.monitor.gaveUp(opts.namespace, name);
      else await sleep(200 + opts.random() * 1_800);
      await deleteRetrying(() => objects.deleteNamespacedCustomObject({ ...crd, namespace: opts.namespace, name }));
    }
  };
  await Promise.all(opts.pools.flatMap((pool) => Array.from({ length: opts.clientsPerPool }, () => client(pool))));
}
