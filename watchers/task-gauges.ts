// Task state gauges, read from the BatchSandbox informer's cache at scrape time: the counters the tasks
// workflows write to each sandbox's status, summed per namespace (one series per sandbox would grow
// with every sandbox ever created).
import type { KubernetesObject } from '@kubernetes/client-node';
import { Gauge, register, type Registry } from 'prom-client';
import type { ResourceInformer } from './resource-informer.js';

const STATES = { pending: 'taskPending', running: 'taskRunning', succeed: 'taskSucceed', failed: 'taskFailed', unknown: 'taskUnknown' } as const;

interface SandboxWithStatus extends KubernetesObject {
  status?: Partial<Record<(typeof STATES)[keyof typeof STATES], number>>;
}

export function registerTaskGauges(
  sandboxes: Pick<ResourceInformer<KubernetesObject>, 'list'>,
  registry: Registry = register,
): Gauge<'namespace' | 'state'> {
  return new Gauge({
    name: 'opensandbox_tasks',
    help: 'Tasks of BatchSandboxes by state (pending, running, succeed, failed, unknown), summed per namespace from their status',
    labelNames: ['namespace', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const sums = new Map<string, Record<keyof typeof STATES, number>>();
      for (const sandbox of sandboxes.list() as SandboxWithStatus[]) {
        const namespace = sandbox.metadata?.namespace ?? '';
        const sum = sums.get(namespace) ?? { pending: 0, running: 0, succeed: 0, failed: 0, unknown: 0 };
        for (const [state, field] of Object.entries(STATES) as [keyof typeof STATES, (typeof STATES)[keyof typeof STATES]][]) {
          sum[state] += sandbox.status?.[field] ?? 0;
        }
        sums.set(namespace, sum);
      }
      for (const [namespace, sum] of sums) for (const [state, value] of Object.entries(sum)) this.set({ namespace, state }, value);
    },
  });
}
