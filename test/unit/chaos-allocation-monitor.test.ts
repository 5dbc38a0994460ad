// The chaos run's continuous checks: double allocations, allocation latency, pool stalls, explanations.
import { describe, expect, it } from '@jest/globals';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { AllocationMonitor, type ObservedSandbox } from '../../chaos/allocation-monitor.js';

const NS = 'chaos';
const sandbox = (name: string, opts: { pods?: string[]; released?: string[]; allocated?: number; reason?: string } = {}): ObservedSandbox => ({
  metadata: {
    namespace: NS,
    name,
    annotations: {
      ...(opts.pods && { [ANNOTATIONS.allocStatus]: JSON.stringify({ pods: opts.pods }) }),
      ...(opts.released && { [ANNOTATIONS.allocReleased]: JSON.stringify({ pods: opts.released }) }),
    },
  },
  status: { allocated: opts.allocated ?? 0, ...(opts.reason && { conditions: [{ type: 'Progressing', reason: opts.reason }] }) },
});

describe('AllocationMonitor', () => {
  it('counts a pod held by two live sandboxes once per pair, however often it is observed', () => {
    const m = new AllocationMonitor();
    m.observe(sandbox('a', { pods: ['p1', 'p2'] }), 0);
    m.observe(sandbox('b', { pods: ['p3'] }), 1);
    expect(m.summary(2).double_allocations).toBe(0);
    m.observe(sandbox('b', { pods: ['p3', 'p2'] }), 3);
    m.observe(sandbox('b', { pods: ['p3', 'p2'] }), 4);
    m.observe(sandbox('a', { pods: ['p1', 'p2'] }), 5);
    expect(m.summary(6).double_allocations).toBe(1);
    expect(m.doubleAllocations()).toEqual([`${NS}/p2 ${NS}/a ${NS}/b`]);
  });

  it('lets a released pod, or one of a sandbox that is gone, serve another sandbox', () => {
    const m = new AllocationMonitor();
    m.observe(sandbox('a', { pods: ['p1', 'p2'], released: ['p2'] }), 0);
    m.observe(sandbox('b', { pods: ['p2'] }), 1);
    m.observe(sandbox('c', { pods: ['p9'] }), 2);
    m.gone(NS, 'c', 3);
    m.observe(sandbox('d', { pods: ['p9'] }), 4);
    expect(m.summary(5).double_allocations).toBe(0);
  });

  it('measures allocation from the create to the first observation with enough allocated, once', () => {
    const m = new AllocationMonitor();
    m.created(NS, 'a', 'pool', 2, 1_000);
    m.observe(sandbox('a', { allocated: 1 }), 1_200);
    expect(m.isAllocated(NS, 'a')).toBe(false);
    m.observe(sandbox('a', { allocated: 2 }), 1_500);
    m.observe(sandbox('a', { allocated: 2 }), 9_000);
    m.created(NS, 'b', 'pool', 1, 2_000);
    m.observe(sandbox('b', { allocated: 1 }), 4_000);
    expect(m.isAllocated(NS, 'a')).toBe(true);
    expect(m.summary(10_000)).toMatchObject({ allocations: 2, allocation_p50_ms: 500, allocation_p99_ms: 2_000, allocation_max_ms: 2_000 });
    expect(m.slowest(1)).toEqual([{ sandbox: `${NS}/b`, createdAt: 2_000, latencyMs: 2_000 }]);
  });

  it('measures a pool stall from its first waiter to the next allocation in that pool, not while the pool is idle', () => {
    const m = new AllocationMonitor();
    m.created(NS, 'a', 'p', 1, 0);
    m.created(NS, 'b', 'p', 1, 1_000);
    m.observe(sandbox('a', { allocated: 1 }), 3_000); // stall 0 -> 3 s
    m.observe(sandbox('b', { allocated: 1 }), 4_000); // b waited on from the last allocation: 1 s
    expect(m.summary(4_000).longest_pool_stall_ms).toBe(3_000);
    // Idle from 4 s to 50 s: not a stall. A new waiter starts the clock again.
    m.created(NS, 'c', 'p', 1, 50_000);
    expect(m.summary(57_000).longest_pool_stall_ms).toBe(7_000);
    // Other pools' allocations do not end this pool's stall.
    m.created(NS, 'x', 'q', 1, 57_000);
    m.observe(sandbox('x', { allocated: 1 }), 58_000);
    expect(m.summary(60_000).longest_pool_stall_ms).toBe(10_000);
    // A waiter given up on and deleted ends the wait when it was the last one.
    m.gaveUp(NS, 'c');
    m.gone(NS, 'c', 61_000);
    expect(m.summary(90_000).longest_pool_stall_ms).toBe(11_000);
  });

  it('counts a sandbox given up on as explained only when its status names a problem', () => {
    const m = new AllocationMonitor();
    m.created(NS, 'a', 'p', 1, 0);
    m.created(NS, 'b', 'p', 1, 0);
    m.created(NS, 'c', 'p', 1, 0);
    m.observe(sandbox('a', { reason: 'PoolCannotCreatePods' }), 1);
    m.observe(sandbox('b', { reason: 'Creating' }), 1);
    m.observe(sandbox('c', { allocated: 1 }), 1);
    for (const name of ['a', 'b', 'c']) m.gaveUp(NS, name);
    expect(m.summary(2)).toMatchObject({ explained_unallocated: 1, unexplained_unallocated: 1 });
  });

  it('reads a malformed annotation as holding nothing', () => {
    const m = new AllocationMonitor();
    m.observe({ metadata: { namespace: NS, name: 'a', annotations: { [ANNOTATIONS.allocStatus]: '{not json' } } }, 0);
    m.observe(sandbox('b', { pods: ['p1'] }), 1);
    expect(m.summary(2).double_allocations).toBe(0);
  });
});
