// Pool size gauges, read from the Pool informer's cache at scrape time: every process running the watch
// role reports the same numbers (the pool status the pool workflow wrote), with no bookkeeping of its own.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Gauge, register, type Registry } from 'prom-client';
import type { ResourceInformer } from './resource-informer.js';

const STATES = ['total', 'allocated', 'available'] as const;

interface PoolWithStatus extends KubernetesObject {
  status?: Partial<Record<(typeof STATES)[number], number>>;
}

export function registerPoolGauges(
  pools: Pick<ResourceInformer<KubernetesObject>, 'list'>,
  registry: Registry = register,
): Gauge<'namespace' | 'pool' | 'state'> {
  return new Gauge({
    name: 'opensandbox_pool_pods',
    help: 'Pods of each Pool by state (total, allocated, available), from the Pool status',
    labelNames: ['namespace', 'pool', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of pools.list() as PoolWithStatus[]) {
        const { namespace = '', name = '' } = pool.metadata ?? {};
        for (const state of STATES) this.set({ namespace, pool: name, state }, pool.status?.[state] ?? 0);
      }
    },
  });
}
