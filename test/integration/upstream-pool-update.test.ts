// Upstream e2e "Pool Update" (spec §8: 13) and "rolling upgrade continuity" (27) on the local stack: the
// whole operator runs in-process and kwok plays the kubelet (a created pool pod turns Running/Ready with
// an IP at once, a deleted one goes away), so a rollout never waits on real containers.
import { describe, expect, it } from '@jest/globals';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { isReady, podName } from '../../planners/kube/pod-state.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { staysTrue } from '../support/pool-namespace.js';

const suite = poolOperatorSuite('upstream-update');
const { ns } = suite;

/** Upstream waits 30–60 s in these "stays so" checks; 5 s catches the same mistakes on a fast local stack. */
const STAYS_MS = 5_000;
const sandbox = (name: string, pool: string, replicas = 1) => aBatchSandbox(name, ns.namespace).poolRef(pool).replicas(replicas).build();
const versioned = (version: string): PodTemplate => ({
  spec: { containers: [{ name: 'sandbox-container', image: 'sandbox:1', command: ['sleep', '3600'], env: [{ name: 'VERSION', value: version }] }] },
});

async function release(name: string): Promise<void> {
  await ns.deleteSandbox(name);
  await ns.waitForSandboxGone(name);
}

describe('upstream e2e Pool Update (kwok plays the kubelet)', () => {
  it('rolls a pool of 10 to a new template within maxUnavailable 20%, never touching allocated pods (upstream e2e 13)', async () => {
    await ns.createPool(
      aPool('rolling', ns.namespace)
        .template(versioned('v1'))
        .capacity({ bufferMin: 2, bufferMax: 10, poolMin: 10, poolMax: 10 })
        .updateMaxUnavailable('20%')
        .build(),
    );
    const before = await ns.waitForStablePool('rolling', (s) => s.total === 10);
    await ns.createSandbox(sandbox('rolling-a', 'rolling', 3));
    const held = await ns.waitForAllocation('rolling-a', 3);
    const heldUids = await ns.podUids(held);

    await ns.patchPool('rolling', { spec: { template: versioned('v2') } });
    // While the rollout runs: the allocated pods stay, at most maxUnavailable (2) + 1 pods are not ready
    // at any sample (upstream's bound; it takes 5 samples, this polls every 250 ms), and a new sandbox is
    // still served.
    await ns.createSandbox(sandbox('rolling-b', 'rolling'));
    await staysTrue(
      async () => {
        const notReady = (await ns.livePoolPods('rolling')).filter((pod) => !isReady(pod)).length;
        return notReady <= 3 && JSON.stringify(await ns.podUids(held)) === JSON.stringify(heldUids);
      },
      { what: 'allocated pods untouched and at most 3 pods unavailable', ms: STAYS_MS },
    );
    const [fresh] = await ns.waitForAllocation('rolling-b', 1);
    const status = await ns.waitForPoolStatus('rolling', 'some pods updated', (s) => (s.updated ?? 0) > 0);
    expect(status.revision).not.toBe(before.revision);
    // Upstream allocates available pods in list order, whatever their revision, so the fresh pod may be of
    // either revision; it must be a live pool pod no other sandbox holds.
    expect(held).not.toContain(fresh);
    expect((await ns.livePoolPods('rolling')).map(podName)).toContain(fresh);

    await release('rolling-a');
    await release('rolling-b');
    await ns.waitForStablePool('rolling', (s) => s.total === 10 && s.updated === 10);
  });

  it('keeps the pods of a running sandbox through a rollout and rolls them once released, Noop recycle (upstream e2e 27)', async () => {
    await ns.createPool(
      aPool('continuity', ns.namespace)
        .template(versioned('v1'))
        .capacity({ bufferMin: 2, bufferMax: 3, poolMin: 3, poolMax: 6 })
        .updateMaxUnavailable(2)
        .recycle('Noop')
        .build(),
    );
    await ns.waitForStablePool('continuity', (s) => s.total >= 3);
    await ns.createSandbox(sandbox('continuity-a', 'continuity', 2));
    const held = await ns.waitForAllocation('continuity-a', 2);
    const heldUids = await ns.podUids(held);

    await ns.patchPool('continuity', { spec: { template: versioned('v2') } });
    await staysTrue(async () => JSON.stringify(await ns.podUids(held)) === JSON.stringify(heldUids), {
      what: 'continuity-a pods keep their UIDs',
      ms: STAYS_MS,
    });
    await ns.createSandbox(sandbox('continuity-b', 'continuity'));
    await ns.waitForAllocation('continuity-b', 1);

    await release('continuity-a');
    await release('continuity-b');
    // Noop recycle gives the old-revision pods back idle; the rollout then replaces them.
    const status = await ns.waitForStablePool('continuity', (s) => s.updated === s.total);
    expect(await ns.podsGone(held)).toBe(true);
    expect(status.total).toBeGreaterThanOrEqual(3);
  });
});
