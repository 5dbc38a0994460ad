// What a pool round's deliveries write: decided in the round from the observation, two writes each.
import { describe, expect, it } from '@jest/globals';
import { ANNOTATIONS, FINALIZERS } from '../../api/v1alpha1/contract.js';
import type { AllocationPlan } from '../../planners/pool/allocation.js';
import { deliveryWrites, planDeliveries, type CurrentSandbox, type DeliveryOrder } from '../../planners/pool/delivery-plan.js';
import type { PoolObservation } from '../../planners/pool/pool-observation.js';
import { aPod } from '../builders/pod.js';
import { deliveredStatus, sandboxView } from '../builders/sandbox-view.js';

const NOW = new Date('2026-01-01T00:05:00Z');

function plan(deliveries: AllocationPlan['deliveries']): AllocationPlan {
  return { ledger: {}, deliveries, releases: [], shortfall: 0, malformed: [] };
}

function observation(sandboxes: PoolObservation['sandboxes']): PoolObservation {
  return {
    pool: undefined,
    pods: [aPod('p-0').inPool('warm').ready('10.0.0.1').digest(), aPod('p-1').inPool('warm').ready('10.0.0.2').digest(), aPod('p-2').inPool('warm').digest()],
    sandboxes,
  };
}

describe('planDeliveries', () => {
  it('plans each delivery from the observation: alloc-status, endpoints and the runtime status of its pods', () => {
    const fresh = sandboxView('bs', { resourceVersion: '7', replicas: 2, status: undefined, finalizers: ['keep.me/x'], createdAt: '2026-01-01T00:04:59Z' });
    const [order, ...more] = planDeliveries(plan([{ sandbox: 'bs', allocStatus: ['p-0', 'p-1'], newPods: ['p-0', 'p-1'] }]), observation([fresh]), 'ns', NOW);
    expect(more).toEqual([]);
    expect(order).toMatchObject({
      sandbox: 'bs',
      resourceVersion: '7',
      allocStatus: ['p-0', 'p-1'],
      endpoints: ['10.0.0.1', '10.0.0.2'],
      finalizers: ['keep.me/x'],
      createdAt: '2026-01-01T00:04:59Z',
      completes: true,
    });
    expect(order!.status).toMatchObject({ replicas: 2, allocated: 2, ready: 2, phase: 'Succeed' });
  });

  it('leaves released pods out of the endpoints and the status, and does not complete a sandbox still owed pods', () => {
    const partly = sandboxView('bs', { replicas: 3, allocated: ['p-0', 'p-1'], released: ['p-1'] });
    const [order] = planDeliveries(plan([{ sandbox: 'bs', allocStatus: ['p-0', 'p-1', 'p-2'], newPods: ['p-2'] }]), observation([partly]), 'ns', NOW);
    expect(order!.endpoints).toEqual(['10.0.0.1']);
    // p-2 is not scheduled yet: two pods held, one allocated to a node, one Ready.
    expect(order!.status).toMatchObject({ replicas: 2, allocated: 1, ready: 1 });
    expect(order!.completes).toBe(false);
  });
});

describe('deliveryWrites', () => {
  const order: DeliveryOrder = {
    sandbox: 'bs',
    resourceVersion: '7',
    allocStatus: ['p-0', 'p-1'],
    endpoints: ['10.0.0.1', '10.0.0.2'],
    finalizers: ['keep.me/x'],
    status: deliveredStatus(2),
    createdAt: '2026-01-01T00:04:59Z',
    completes: true,
  };

  it('is two writes: one metadata patch guarded by the observed resourceVersion, then one status patch', () => {
    expect(deliveryWrites(order)).toEqual({
      metadata: {
        target: 'metadata',
        body: {
          metadata: {
            resourceVersion: '7',
            annotations: { [ANNOTATIONS.allocStatus]: '{"pods":["p-0","p-1"]}', [ANNOTATIONS.endpoints]: '["10.0.0.1","10.0.0.2"]' },
            finalizers: ['keep.me/x', FINALIZERS.poolAllocation],
          },
        },
      },
      status: { target: 'status', body: { status: order.status } },
    });
  });

  const conflicted = (current: Partial<CurrentSandbox>): CurrentSandbox => ({
    resourceVersion: '9',
    allocated: [],
    finalizers: [],
    endpoints: undefined,
    status: undefined,
    ...current,
  });

  it('after a conflict, guards with the fresh version, keeps its finalizers and merges alloc-status', () => {
    const writes = deliveryWrites(order, conflicted({ allocated: ['p-0'], finalizers: ['keep.me/x', 'other.io/y'] }));
    expect(writes).not.toBe('stale');
    const { metadata, status } = writes as Exclude<typeof writes, 'stale'>;
    expect(metadata?.body.metadata).toEqual({
      resourceVersion: '9',
      annotations: { [ANNOTATIONS.allocStatus]: '{"pods":["p-0","p-1"]}', [ANNOTATIONS.endpoints]: '["10.0.0.1","10.0.0.2"]' },
      finalizers: ['keep.me/x', 'other.io/y', FINALIZERS.poolAllocation],
    });
    expect(status?.body).toEqual({ status: order.status });
  });

  // The same delivery already made (by a workflow task that timed out and ran on): not written again.
  const delivered = conflicted({
    allocated: ['p-0', 'p-1'],
    finalizers: ['keep.me/x', FINALIZERS.poolAllocation],
    endpoints: '["10.0.0.1","10.0.0.2"]',
  });

  it('after a conflict, writes nothing the sandbox already holds', () => {
    expect(deliveryWrites(order, { ...delivered, status: { ...order.status, conditions: [] } })).toEqual({});
  });

  it('after a conflict, writes only the status when the metadata is already there', () => {
    const writes = deliveryWrites(order, { ...delivered, status: { ...order.status, ready: 1 } });
    expect(writes).toEqual({ status: { target: 'status', body: { status: order.status } } });
  });

  it('after a conflict, writes the metadata again when its endpoints or finalizer are not there', () => {
    for (const current of [
      { ...delivered, endpoints: '["10.0.0.1"]' },
      { ...delivered, finalizers: ['keep.me/x'] },
    ]) {
      const writes = deliveryWrites(order, { ...current, status: order.status });
      expect(writes).toMatchObject({ metadata: { target: 'metadata' }, status: { target: 'status' } });
    }
  });

  it('writes nothing when the sandbox now holds a pod the plan never saw', () => {
    expect(deliveryWrites(order, conflicted({ allocated: ['p-9'] }))).toBe('stale');
  });
});
