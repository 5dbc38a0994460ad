// Task gauges come from the BatchSandbox cache at scrape time, summed per namespace and state.
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { registerTaskGauges } from '../../watchers/task-gauges.js';

describe('registerTaskGauges', () => {
  it('sums the task counters of every cached sandbox per namespace, and forgets deleted ones', async () => {
    const sandbox = (name: string, namespace: string, status?: object) =>
      ({ metadata: { name, namespace }, ...(status ? { status } : {}) }) as KubernetesObject;
    let sandboxes = [sandbox('a', 'ns', { taskRunning: 2, taskSucceed: 1 }), sandbox('b', 'ns', { taskRunning: 1, taskFailed: 3 }), sandbox('c', 'other')];
    const registry = new Registry();
    registerTaskGauges({ list: () => sandboxes }, registry);
    const text = await registry.metrics();
    expect(text).toContain('opensandbox_tasks{namespace="ns",state="running"} 3');
    expect(text).toContain('opensandbox_tasks{namespace="ns",state="succeed"} 1');
    expect(text).toContain('opensandbox_tasks{namespace="ns",state="failed"} 3');
    expect(text).toContain('opensandbox_tasks{namespace="other",state="pending"} 0');
    sandboxes = sandboxes.slice(2);
    expect(await registry.metrics()).not.toContain('namespace="ns"');
  });
});
