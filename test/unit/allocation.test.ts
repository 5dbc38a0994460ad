import { describe, expect, it } from '@jest/globals';
import { ledgerFromSandboxes, planAllocation, type Ledger } from '../../planners/pool/allocation.js';
import { defaultEvictionHandler, isAllocatable } from '../../planners/pool/pool-eviction.js';
import type { SandboxView } from '../../planners/pool/pool-observation.js';
import { aPod } from '../builders/pod.js';
import type { PodDigest } from '../../planners/pool/pool-observation.js';
import { sandboxView } from '../builders/sandbox-view.js';

const readyPod = (name: string): PodDigest => aPod(name).inPool('p', 'rev1').ready().digest();
const podViews = (...names: string[]): PodDigest[] => names.map(readyPod);

const plan = (ledger: Ledger, pods: PodDigest[], sandboxes: SandboxView[]) =>
  planAllocation({ ledger, pods, sandboxes, allocatable: (pod) => isAllocatable(pod, 'rev1', defaultEvictionHandler) });

describe('planAllocation', () => {
  it.each([
    {
      name: 'hands the first N idle pods to a new sandbox',
      ledger: {},
      pods: podViews('p1', 'p2', 'p3'),
      sandboxes: [sandboxView('a', { replicas: 2 })],
      deliveries: [{ sandbox: 'a', allocStatus: ['p1', 'p2'], newPods: ['p1', 'p2'] }],
      shortfall: 0,
    },
    {
      name: 'serves the oldest sandbox first and reports the shortfall',
      ledger: {},
      pods: podViews('p1', 'p2'),
      sandboxes: [
        sandboxView('young', { replicas: 2, createdAt: '2026-01-01T00:00:05Z' }),
        sandboxView('old', { replicas: 1, createdAt: '2026-01-01T00:00:01Z' }),
      ],
      deliveries: [
        { sandbox: 'old', allocStatus: ['p1'], newPods: ['p1'] },
        { sandbox: 'young', allocStatus: ['p2'], newPods: ['p2'] },
      ],
      shortfall: 1,
    },
    {
      name: 'never hands out pods that are not ready, terminating, marked for eviction or of an old revision',
      ledger: {},
      pods: [
        aPod('not-ready').inPool('p', 'rev1').digest(),
        aPod('terminating').inPool('p', 'rev1').ready().terminating().digest(),
        aPod('evicting').inPool('p', 'rev1').ready().label('pool.opensandbox.io/evict', '').digest(),
        aPod('old-revision').inPool('p', 'rev0').ready().digest(),
        readyPod('good'),
      ],
      sandboxes: [sandboxView('a', { replicas: 2 })],
      deliveries: [{ sandbox: 'a', allocStatus: ['good'], newPods: ['good'] }],
      shortfall: 1,
    },
    {
      name: 'never hands out a pod the ledger already gives to someone else',
      ledger: { p1: 'other' },
      pods: podViews('p1', 'p2'),
      sandboxes: [sandboxView('other', { allocated: ['p1'] }), sandboxView('a')],
      deliveries: [{ sandbox: 'a', allocStatus: ['p2'], newPods: ['p2'] }],
      shortfall: 0,
    },
    {
      name: 'completes a short allocation later, appending to alloc-status',
      ledger: { p1: 'a' },
      pods: podViews('p1', 'p2'),
      sandboxes: [sandboxView('a', { replicas: 2, allocated: ['p1'] })],
      deliveries: [{ sandbox: 'a', allocStatus: ['p1', 'p2'], newPods: ['p2'] }],
      shortfall: 0,
    },
    {
      name: 're-delivers pods the ledger gave but the annotation lacks (a crash mid-delivery), taking no new ones',
      ledger: { p2: 'a', p1: 'a' },
      pods: podViews('p1', 'p2', 'p3'),
      sandboxes: [sandboxView('a', { replicas: 2 })],
      deliveries: [{ sandbox: 'a', allocStatus: ['p1', 'p2'], newPods: [] }],
      shortfall: 0,
    },
    {
      name: 'does nothing for a fully served sandbox',
      ledger: { p1: 'a' },
      pods: podViews('p1', 'p2'),
      sandboxes: [sandboxView('a', { allocated: ['p1'] })],
      deliveries: [],
      shortfall: 0,
    },
    {
      name: 'replaces pods a sandbox held that no longer exist (its Pool deleted and recreated: issue 13)',
      ledger: {},
      pods: podViews('n1', 'n2'),
      sandboxes: [sandboxView('a', { replicas: 2, allocated: ['old-0', 'old-1'] })],
      deliveries: [{ sandbox: 'a', allocStatus: ['old-0', 'old-1', 'n1', 'n2'], newPods: ['n1', 'n2'] }],
      shortfall: 0,
    },
    {
      name: 'replaces a held pod that is terminating (deleted from outside, e.g. with its Pool)',
      ledger: {},
      pods: [aPod('old-0').inPool('p', 'rev1').ready().terminating().digest(), readyPod('n1')],
      sandboxes: [sandboxView('a', { replicas: 1, allocated: ['old-0'] })],
      deliveries: [{ sandbox: 'a', allocStatus: ['old-0', 'n1'], newPods: ['n1'] }],
      shortfall: 0,
    },
    {
      name: 'does not replace a released pod, gone or not (upstream semantics)',
      ledger: {},
      pods: podViews('n1'),
      sandboxes: [sandboxView('a', { replicas: 1, allocated: ['recycled'], released: ['recycled'] })],
      deliveries: [],
      shortfall: 0,
    },
    {
      name: 'does not release pods when replicas go down (upstream semantics)',
      ledger: { p1: 'a', p2: 'a' },
      pods: podViews('p1', 'p2'),
      sandboxes: [sandboxView('a', { replicas: 1, allocated: ['p1', 'p2'] })],
      deliveries: [],
      shortfall: 0,
    },
  ])('$name', ({ ledger, pods, sandboxes, deliveries, shortfall }) => {
    const result = plan(ledger as Ledger, pods, sandboxes);
    expect(result.deliveries).toEqual(deliveries);
    expect(result.shortfall).toBe(shortfall);
    for (const d of deliveries) for (const pod of d.newPods) expect(result.ledger[pod]).toBe(d.sandbox);
  });

  it('never hands out a pod a sandbox holds in the cluster but the ledger lacks (a round lost with its worker)', () => {
    const result = plan({}, podViews('p1', 'p2', 'p3'), [
      sandboxView('served', { replicas: 2, allocated: ['p1', 'p2'], createdAt: '2026-01-01T00:00:05Z' }),
      sandboxView('older', { replicas: 1, createdAt: '2026-01-01T00:00:01Z' }),
    ]);
    expect(result.deliveries).toEqual([{ sandbox: 'older', allocStatus: ['p3'], newPods: ['p3'] }]);
    expect(result.ledger).toEqual({ p1: 'served', p2: 'served', p3: 'older' });
  });

  it('delivers the same pods again to a sandbox that shows them without a status (a round died between its writes)', () => {
    const unfinished = sandboxView('a', { replicas: 2, allocated: ['p1', 'p2'], status: undefined });
    expect(plan({}, podViews('p1', 'p2', 'p3'), [unfinished]).deliveries).toEqual([{ sandbox: 'a', allocStatus: ['p1', 'p2'], newPods: [] }]);
    // Unless this workflow delivered it itself, and only the status write is not visible yet.
    const known = planAllocation({
      ledger: { p1: 'a', p2: 'a' },
      pods: podViews('p1', 'p2', 'p3'),
      sandboxes: [unfinished],
      allocatable: () => true,
      delivered: new Set(['a']),
    });
    expect(known.deliveries).toEqual([]);
  });

  it('keeps the ledger when it and the cluster disagree about a pod', () => {
    const result = plan({ p1: 'a' }, podViews('p1', 'p2'), [sandboxView('a', { allocated: ['p1'] }), sandboxView('b', { allocated: ['p1'] })]);
    expect(result.ledger.p1).toBe('a');
  });

  it('returns pods it could not deliver to a sandbox whose annotation filled up meanwhile', () => {
    const result = plan({ p3: 'a', p4: 'a' }, podViews('p1', 'p2', 'p3', 'p4'), [sandboxView('a', { replicas: 3, allocated: ['p1', 'p2'] })]);
    expect(result.deliveries).toEqual([{ sandbox: 'a', allocStatus: ['p1', 'p2', 'p3'], newPods: [] }]);
    expect(result.ledger).toEqual({ p1: 'a', p2: 'a', p3: 'a' });
  });

  it('releases everything of a deleting sandbox and of one the cluster no longer lists', () => {
    const result = plan({ p1: 'deleting', p2: 'vanished', p3: 'alive' }, podViews('p1', 'p2', 'p3'), [
      sandboxView('deleting', { deleting: true, allocated: ['p1'], hasAllocationFinalizer: true }),
      sandboxView('alive', { allocated: ['p3'] }),
    ]);
    expect(result.releases).toEqual([
      { sandbox: 'vanished', pods: ['p2'], final: true },
      { sandbox: 'deleting', pods: ['p1'], final: true },
    ]);
    expect(result.deliveries).toEqual([]);
  });

  it('keeps the pods of a deleting sandbox until its tasks are stopped, releasing only those alloc-release names (spec §10 R3)', () => {
    const finalizers = ['batch-sandbox.sandbox.opensandbox.io/task-cleanup', 'pool.sandbox.opensandbox.io/pool-allocation'];
    const stopping = sandboxView('tasks', { deleting: true, allocated: ['p1', 'p2'], releaseRequested: ['p1'], hasAllocationFinalizer: true, finalizers });
    expect(plan({ p1: 'tasks', p2: 'tasks' }, podViews('p1', 'p2'), [stopping]).releases).toEqual([{ sandbox: 'tasks', pods: ['p1'], final: false }]);
    // Once the task-cleanup finalizer is gone, everything left goes back and the allocation finalizer with it.
    const done = { ...stopping, released: ['p1'], finalizers: finalizers.slice(1) };
    expect(plan({ p2: 'tasks' }, podViews('p1', 'p2'), [done]).releases).toEqual([{ sandbox: 'tasks', pods: ['p2'], final: true }]);
  });

  it('releases requested pods of a running sandbox, not the ones already released', () => {
    const result = plan({ p1: 'a', p2: 'a' }, podViews('p1', 'p2'), [
      sandboxView('a', { replicas: 2, allocated: ['p1', 'p2'], releaseRequested: ['p1', 'p2'], released: ['p2'] }),
    ]);
    expect(result.releases).toEqual([{ sandbox: 'a', pods: ['p1'], final: false }]);
  });

  it('skips a sandbox with a malformed annotation, reports it, and keeps serving the others', () => {
    const result = plan({}, podViews('p1'), [
      sandboxView('bad', { malformed: 'annotation sandbox.opensandbox.io/alloc-status is not valid' }),
      sandboxView('good'),
    ]);
    expect(result.malformed).toEqual([{ sandbox: 'bad', reason: 'annotation sandbox.opensandbox.io/alloc-status is not valid' }]);
    expect(result.deliveries).toEqual([{ sandbox: 'good', allocStatus: ['p1'], newPods: ['p1'] }]);
    expect(result.releases).toEqual([]);
  });

  it('gives every pod to at most one sandbox over many sandboxes', () => {
    const pods = podViews(...Array.from({ length: 50 }, (_, i) => `p${i}`));
    const sandboxes = Array.from({ length: 30 }, (_, i) => sandboxView(`s${i}`, { replicas: 2 }));
    const result = plan({}, pods, sandboxes);
    const handedOut = result.deliveries.flatMap((d) => d.newPods);
    expect(new Set(handedOut).size).toBe(handedOut.length);
    expect(handedOut).toHaveLength(50);
    expect(result.shortfall).toBe(10);
  });
});

describe('an annotation naming pods that are not its own (issue 13)', () => {
  const pods = [...podViews('mine', 'theirs')];

  it('releases only what the ledger gives a deleting sandbox: not another sandbox pod, not a pod outside the pool', () => {
    const result = plan({ mine: 'hostile', theirs: 'victim' }, pods, [
      sandboxView('hostile', { deleting: true, allocated: ['mine', 'theirs', 'not-a-pool-pod'], hasAllocationFinalizer: true }),
      sandboxView('victim', { replicas: 1, allocated: ['theirs'] }),
    ]);
    expect(result.releases).toEqual([{ sandbox: 'hostile', pods: ['mine'], final: true }]);
  });

  it('releases on request only the pods the ledger gives the sandbox', () => {
    const result = plan({ mine: 'hostile', theirs: 'victim' }, pods, [
      sandboxView('hostile', { replicas: 2, allocated: ['mine', 'theirs'], releaseRequested: ['theirs'] }),
      sandboxView('victim', { replicas: 1, allocated: ['theirs'] }),
    ]);
    expect(result.releases).toEqual([]);
  });
});

describe('ledgerFromSandboxes', () => {
  it('gives a pod two annotations claim to the sandbox its label names, else to the oldest claimant', () => {
    const labelled = aPod('p1').inPool('p', 'rev1').ready().label('batch-sandbox.sandbox.opensandbox.io/name', 'owner').digest();
    const claims = [
      sandboxView('forger', { allocated: ['p1', 'p2'], createdAt: '2026-01-01T00:00:00Z' }),
      sandboxView('owner', { allocated: ['p1'], createdAt: '2026-01-01T00:00:05Z' }),
      sandboxView('late', { allocated: ['p2'], createdAt: '2026-01-01T00:00:09Z' }),
    ];
    expect(ledgerFromSandboxes(claims, [labelled, readyPod('p2')])).toEqual({ p1: 'owner', p2: 'forger' });
  });

  it('rebuilds ownership from alloc-status minus alloc-released, for pods that still exist', () => {
    const ledger = ledgerFromSandboxes(
      [
        sandboxView('a', { allocated: ['p1', 'p2', 'gone'], released: ['p2'] }),
        sandboxView('b', { allocated: ['p3'] }),
        sandboxView('bad', { allocated: ['p4'], malformed: 'x' }),
      ],
      podViews('p1', 'p2', 'p3', 'p4'),
    );
    expect(ledger).toEqual({ p1: 'a', p3: 'b' });
  });
});
