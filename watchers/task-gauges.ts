// Task state gauges, read from the BatchSandbox informer's cache at scrape time: the counters the tasks
// workflows write to each sandbox's status, summed per namespace (one series per sandbox would grow
// with every sandbox ever created).
import type { KubernetesObject } from '@kubernetes/client-node';
import { Gauge, register, type Registry } from 'prom-client';
import { TASK_COUNTER_FIELDS, taskCountersOf, type TaskCounters } from '../planners/tasks/task-round.js';
import type { ResourceInformer } from './resource-informer.js';

/** The state label of a counter: taskRunning -> running. */
const stateOf = (field: keyof TaskCounters) => field.slice('task'.length).toLowerCase();

export function registerTaskGauges(sandboxes: Pick<ResourceInformer<KubernetesObject>, 'list'>, registry: Registry = register): Gauge<'namespace' | 'state'> {
  return new Gauge({
    name: 'opensandbox_tasks',
    help: 'Tasks of BatchSandboxes by state (pending, running, succeed, failed, unknown), summed per namespace from their status',
    labelNames: ['namespace', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const sums = new Map<string, TaskCounters>();
      for (const sandbox of sandboxes.list() as (KubernetesObject & { status?: Partial<TaskCounters> })[]) {
        const namespace = sandbox.metadata?.namespace ?? '';
        const sum = sums.get(namespace) ?? taskCountersOf();
        const counters = taskCountersOf(sandbox.status);
        for (const field of TASK_COUNTER_FIELDS) sum[field] += counters[field];
        sums.set(namespace, sum);
      }
      for (const [namespace, sum] of sums) for (const field of TASK_COUNTER_FIELDS) this.set({ namespace, state: stateOf(field) }, sum[field]);
    },
  });
}
