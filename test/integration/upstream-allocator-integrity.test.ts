// Upstream e2e "Pool Allocator Integrity" cases (spec §8: 23, 24, 26, 28, 29, 30) on the local stack: the
// whole operator runs in-process and kwok plays the kubelet (a created pool pod turns Running/Ready with
// an IP at once, a deleted one goes away). Case 25 (recovery) is in upstream-pool-recovery.test.ts.
import { describe, expect, it } from '@jest/globals';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { podName } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { staysTrue } from '../support/pool-namespace.js';

const suite = poolOperatorSuite('upstream-alloc');
const { ns } = suite;

/** Upstream waits 20–30 s in these "stays so" checks; 5 s catches the same mistakes on a fast local stack. */
const STAYS_MS = 5_000;
const sandbox = (name: string, pool: string, replicas = 1) => aBatchSandbox(name, ns.namespace).poolRef(pool).replicas(replicas).build();

async function release(name: string): Promise<void> {
  await ns.deleteSandbox(name);
  await ns.waitForSandboxGone(name);
}

describe('upstream e2e Pool Allocator Integrity (kwok plays the kubelet)', () => {
  it('reuses pods across allocate/release cycles under Noop recycle and never exceeds poolMax (upstream e2e 23)', async () => {
    await ns.createPool(aPool('cycles', ns.namespace).capacity({ bufferMin: 2, bufferMax: 4, poolMin: 2, poolMax: 4 }).recycle('Noop').build());
    await ns.waitForStablePool('cycles', (s) => s.total >= 2);
    const rounds: string[][] = [];
    for (const round of [1, 2]) {
      await ns.createSandbox(sandbox(`cycles-${round}`, 'cycles', 2));
      rounds.push(await ns.waitForAllocation(`cycles-${round}`, 2));
      await ns.waitForPoolStatus('cycles', 'allocated 2', (s) => s.allocated === 2);
      await release(`cycles-${round}`);
      await ns.waitForPoolStatus('cycles', 'allocated back to 0', (s) => s.allocated === 0);
      expect((await ns.poolStatus('cycles'))!.total).toBeLessThanOrEqual(4);
      expect((await ns.livePoolPods('cycles')).length).toBeLessThanOrEqual(4);
    }
    expect(rounds[1]!.filter((pod) => rounds[0]!.includes(pod)).length).toBeGreaterThan(0);
  });

  it('never grows past poolMax for a waiting sandbox, and serves it once pods are released (upstream e2e 24)', async () => {
    await ns.createPool(aPool('capped', ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 1, poolMax: 4 }).scaleMaxUnavailable('100%').build());
    await ns.createSandbox(sandbox('capped-a', 'capped', 3));
    const heldByA = await ns.waitForAllocation('capped-a', 3);
    await ns.createSandbox(sandbox('capped-b', 'capped', 3));
    await staysTrue(
      async () =>
        (await ns.livePoolPods('capped')).length <= 4 &&
        ((await ns.poolStatus('capped'))?.total ?? 0) <= 4 &&
        (await ns.allocatedPods('capped-a')).join() === heldByA.join(),
      { what: 'at most 4 pool pods while capped-b waits; capped-a keeps its 3 pods', ms: STAYS_MS },
    );
    expect((await ns.allocatedPods('capped-b')).length).toBeLessThan(3);

    await release('capped-a');
    const heldByB = await ns.waitForAllocation('capped-b', 3);
    expect(new Set(heldByB).size).toBe(3);
    // Delete recycle: capped-a's pods were deleted, so capped-b's are others.
    expect(heldByB.filter((pod) => heldByA.includes(pod))).toEqual([]);
    expect((await ns.livePoolPods('capped')).length).toBeLessThanOrEqual(4);
  });

  it('replaces an idle pod deleted from outside and keeps allocating (upstream e2e 26)', async () => {
    await ns.createPool(aPool('orphan', ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 2, poolMax: 4 }).recycle('Noop').build());
    await ns.createSandbox(sandbox('orphan-a', 'orphan'));
    const [former] = await ns.waitForAllocation('orphan-a', 1);
    await release('orphan-a');
    await ns.waitForPoolStatus('orphan', 'allocated 0', (s) => s.allocated === 0);
    await ns.core.deleteNamespacedPod({ namespace: ns.namespace, name: former!, gracePeriodSeconds: 0 });
    await waitUntil(async () => (await ns.runningPoolPods('orphan')).filter((pod) => podName(pod) !== former).length >= 2, {
      what: 'poolMin (2) Running pods again without the deleted one',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await ns.createSandbox(sandbox('orphan-b', 'orphan'));
    const [next] = await ns.waitForAllocation('orphan-b', 1);
    expect(next).not.toBe(former);
    await ns.waitForStablePool('orphan', (s) => s.allocated === 1);
  });

  it('protects an allocated pod labelled for eviction until its sandbox releases it, and deletes idle ones (upstream e2e 28)', async () => {
    await ns.createPool(aPool('protect', ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 3, poolMax: 5 }).recycle('Noop').build());
    await ns.waitForStablePool('protect', (s) => s.total >= 3);
    await ns.createSandbox(sandbox('protect-a', 'protect'));
    const [held] = await ns.waitForAllocation('protect-a', 1);
    const labelled = (await ns.livePoolPods('protect')).map(podName);
    await ns.labelPods(labelled, { [LABELS.evict]: 'true' });
    const idle = labelled.filter((name) => name !== held);
    await waitUntil(() => ns.podsGone(idle), { what: 'idle labelled pods deleted', timeoutMs: 30_000, intervalMs: 200 });
    await staysTrue(() => ns.podsAlive([held!]), { what: 'the allocated pod not terminating', ms: STAYS_MS });
    // Beyond upstream: once released (Noop recycle would keep it), the labelled pod is evicted after all.
    await release('protect-a');
    await waitUntil(() => ns.podsGone([held!]), { what: 'the released labelled pod evicted', timeoutMs: 30_000, intervalMs: 200 });
  });

  it('keeps two pools apart: their own pods only, and one survives the other being deleted (upstream e2e 29)', async () => {
    for (const pool of ['iso-a', 'iso-b']) {
      await ns.createPool(aPool(pool, ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 2, poolMax: 5 }).build());
      await ns.createSandbox(sandbox(`${pool}-bs`, pool, 2));
    }
    const fromA = await ns.waitForAllocation('iso-a-bs', 2);
    const fromB = await ns.waitForAllocation('iso-b-bs', 2);
    expect(fromA.filter((pod) => fromB.includes(pod))).toEqual([]);
    const poolOf = async (pods: string[]) => {
      const list = await ns.core.listNamespacedPod({ namespace: ns.namespace });
      return list.items.filter((p) => pods.includes(podName(p))).map((p) => p.metadata?.labels?.[LABELS.poolName]);
    };
    expect(await poolOf(fromA)).toEqual(['iso-a', 'iso-a']);
    expect(await poolOf(fromB)).toEqual(['iso-b', 'iso-b']);

    // The pool status is written by upkeep, a moment after the delivery: "keeps" starts from it.
    await ns.waitForPoolStatus('iso-b', 'allocated 2', (st) => st.allocated === 2);
    await ns.deleteSandbox('iso-a-bs');
    await ns.deletePool('iso-a');
    await ns.waitForSandboxGone('iso-a-bs');
    await staysTrue(
      async () =>
        (await ns.allocatedPods('iso-b-bs')).join() === fromB.join() && (await ns.podsAlive(fromB)) && (await ns.poolStatus('iso-b'))?.allocated === 2,
      { what: 'iso-b-bs keeps its 2 pods, pool iso-b 2 allocated', ms: STAYS_MS },
    );
  });

  it('counts allocations down as sandboxes are released one by one, then serves a new one (upstream e2e 30)', async () => {
    await ns.createPool(
      aPool('stagger', ns.namespace).capacity({ bufferMin: 1, bufferMax: 3, poolMin: 3, poolMax: 9 }).recycle('Noop').scaleMaxUnavailable('100%').build(),
    );
    const sizes = { 'stagger-1': 1, 'stagger-3': 3, 'stagger-2': 2 };
    for (const [name, replicas] of Object.entries(sizes)) await ns.createSandbox(sandbox(name, 'stagger', replicas));
    for (const [name, replicas] of Object.entries(sizes)) await ns.waitForAllocation(name, replicas);
    await ns.waitForPoolStatus('stagger', 'allocated 6', (s) => s.allocated === 6);
    let expected = 6;
    for (const [name, replicas] of Object.entries(sizes)) {
      await release(name);
      expected -= replicas;
      await ns.waitForPoolStatus('stagger', `allocated ${expected}`, (s) => s.allocated === expected);
    }
    await ns.waitForStablePool('stagger', (s) => s.total >= 3);
    await ns.createSandbox(sandbox('stagger-new', 'stagger', 2));
    await ns.waitForAllocation('stagger-new', 2);
    await ns.waitForPoolStatus('stagger', 'allocated 2', (s) => s.allocated === 2);
  });
});
