// Pool gauges come from the Pool cache at scrape time, one series per pool and state.
import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { registerPoolGauges } from '../../watchers/pool-gauges.js';

describe('registerPoolGauges', () => {
  it('reports total, allocated and available of every cached pool, and forgets deleted pools', async () => {
    let pools: KubernetesObject[] = [
      { metadata: { name: 'a', namespace: 'ns' }, status: { total: 5, allocated: 2, available: 3 } } as KubernetesObject,
      { metadata: { name: 'b', namespace: 'ns' } },
    ];
    const registry = new Registry();
    registerPoolGauges({ list: () => pools }, registry);
    const text = await registry.metrics();
    expect(text).toContain('opensandbox_pool_pods{namespace="ns",pool="a",state="total"} 5');
    expect(text).toContain('opensandbox_pool_pods{namespace="ns",pool="a",state="allocated"} 2');
    expect(text).toContain('opensandbox_pool_pods{namespace="ns",pool="a",state="available"} 3');
    expect(text).toContain('opensandbox_pool_pods{namespace="ns",pool="b",state="total"} 0');
    pools = pools.slice(1);
    expect(await registry.metrics()).not.toContain('pool="a"');
  });
});
