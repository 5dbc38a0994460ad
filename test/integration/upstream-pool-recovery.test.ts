// Upstream e2e "Pool State Recovery" cases (spec §8: 14, 15, 16) and "Recover restores allocated count"
// (25) on the local stack; kwok plays the kubelet. Upstream restarts the controller Deployment and its
// in-memory allocation map is rebuilt from the BatchSandbox annotations. Here the allocation ledger lives
// in the pool workflow, in Temporal, so each case runs twice:
//   - operator restart: the in-process operator (worker, informers, signaler, BatchSandbox controller)
//     stops and a new one starts on the same task queue; the running pool workflow carries its ledger on;
//   - workflow lost too: the pool workflow is also terminated, so the restarted operator starts a new one
//     that must rebuild the ledger from the cluster (alloc-status minus alloc-released).
import { afterEach, describe, expect, it } from '@jest/globals';
import type { PoolStatus } from '../../api/v1alpha1/pool.js';
import { poolWorkflowId } from '../../workflows/pool-workflow.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPool } from '../builders/pool.js';
import { startInProcessPoolOperator } from '../support/in-process-pool-operator.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { staysTrue } from '../support/pool-namespace.js';

const suite = poolOperatorSuite('upstream-recovery');
const { ns } = suite;

/** Upstream waits 10 s in its "stays so" check (case 16); 5 s catches the same mistakes here. */
const STAYS_MS = 5_000;
const sandbox = (name: string, pool: string, replicas = 1) => aBatchSandbox(name, ns.namespace).poolRef(pool).replicas(replicas).build();
const counts = ({ allocated, available }: PoolStatus) => ({ allocated, available });

const modes = [
  { mode: 'operator restart', suffix: 'r', terminateWorkflow: false },
  { mode: 'operator restart with the pool workflow lost (ledger rebuilt from the cluster)', suffix: 't', terminateWorkflow: true },
];

describe.each(modes)('pool state across an $mode (kwok plays the kubelet)', ({ suffix, terminateWorkflow }) => {
  // Each case deletes its pool at the end, so its workflow finishes and later restarts have less to resume.
  const poolsOfCase: string[] = [];
  afterEach(async () => {
    await Promise.all(poolsOfCase.splice(0).map((pool) => ns.deletePool(pool)));
  });

  async function restart(pool: string): Promise<void> {
    if (terminateWorkflow) {
      await suite.operator.client.workflow.getHandle(poolWorkflowId(ns.namespace, pool)).terminate('test: the pool workflow is lost with the operator');
    }
    const { taskQueue } = suite.operator;
    await suite.operator.stop();
    suite.operator = await startInProcessPoolOperator(ns.namespace, { taskQueue, batchSandboxController: true });
  }

  it('keeps allocated and available counts across the restart and allocates exactly one more pod afterwards (upstream e2e 14)', async () => {
    const pool = `keep-${suffix}`;
    poolsOfCase.push(pool);
    await ns.createPool(aPool(pool, ns.namespace).capacity({ bufferMin: 2, bufferMax: 3, poolMin: 2, poolMax: 8 }).recycle('Noop').build());
    await ns.createSandbox(sandbox(`${pool}-a`, pool, 2));
    const held = await ns.waitForAllocation(`${pool}-a`, 2);
    const before = await ns.waitForStablePool(pool, (s) => s.allocated === 2 && s.available >= 2 && s.available <= 3);

    await restart(pool);
    await staysTrue(async () => JSON.stringify(counts((await ns.poolStatus(pool))!)) === JSON.stringify(counts(before)), {
      what: `pool ${pool} keeps allocated/available ${JSON.stringify(counts(before))}`,
      ms: STAYS_MS,
    });

    await ns.createSandbox(sandbox(`${pool}-b`, pool));
    const [extra] = await ns.waitForAllocation(`${pool}-b`, 1);
    expect(held).not.toContain(extra);
    // The buffer refills: the restarted pool creates pods again.
    await ns.waitForStablePool(pool, (s) => s.allocated === 3 && s.available >= 2);
    expect(await ns.allocatedPods(`${pool}-a`)).toEqual(held);
  });

  it('rebuilds the allocation of several sandboxes and releases one of them afterwards (upstream e2e 15)', async () => {
    const pool = `multi-${suffix}`;
    poolsOfCase.push(pool);
    await ns.createPool(aPool(pool, ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 2, poolMax: 10 }).scaleMaxUnavailable('100%').build());
    await ns.createSandbox(sandbox(`${pool}-two`, pool, 2));
    await ns.createSandbox(sandbox(`${pool}-three`, pool, 3));
    await ns.waitForAllocation(`${pool}-two`, 2);
    await ns.waitForAllocation(`${pool}-three`, 3);
    await ns.waitForStablePool(pool, (s) => s.allocated === 5);

    await restart(pool);
    await staysTrue(async () => (await ns.poolStatus(pool))?.allocated === 5, { what: `pool ${pool} keeps 5 allocated`, ms: STAYS_MS });

    await ns.deleteSandbox(`${pool}-two`);
    await ns.waitForSandboxGone(`${pool}-two`);
    await ns.waitForPoolStatus(pool, 'allocated 3', (s) => s.allocated === 3);
  });

  it('does not resurrect released pods after the restart (upstream e2e 16)', async () => {
    const pool = `released-${suffix}`;
    poolsOfCase.push(pool);
    await ns.createPool(
      aPool(pool, ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 2, poolMax: 8 }).recycle('Noop').scaleMaxUnavailable('100%').build(),
    );
    await ns.createSandbox(sandbox(`${pool}-gone`, pool, 3));
    await ns.waitForAllocation(`${pool}-gone`, 3);
    await ns.deleteSandbox(`${pool}-gone`);
    await ns.waitForSandboxGone(`${pool}-gone`);
    await ns.waitForPoolStatus(pool, 'allocated 0', (s) => s.allocated === 0);

    await restart(pool);
    await staysTrue(async () => (await ns.poolStatus(pool))?.allocated === 0, { what: `pool ${pool} stays at 0 allocated`, ms: STAYS_MS });

    await ns.createSandbox(sandbox(`${pool}-new`, pool, 2));
    await ns.waitForAllocation(`${pool}-new`, 2);
    await ns.waitForPoolStatus(pool, 'allocated 2', (s) => s.allocated === 2);
  });

  // Case 25 is case 14 with single-pod sandboxes: once, across the plain restart, is enough.
  if (terminateWorkflow) return;
  it('keeps two single-pod sandboxes allocated across the restart and gives a new one a different pod (upstream e2e 25)', async () => {
    const pool = `count-${suffix}`;
    poolsOfCase.push(pool);
    await ns.createPool(aPool(pool, ns.namespace).capacity({ bufferMin: 1, bufferMax: 2, poolMin: 2, poolMax: 6 }).recycle('Noop').build());
    await ns.createSandbox(sandbox(`${pool}-1`, pool));
    await ns.createSandbox(sandbox(`${pool}-2`, pool));
    const held = [...(await ns.waitForAllocation(`${pool}-1`, 1)), ...(await ns.waitForAllocation(`${pool}-2`, 1))];
    await ns.waitForStablePool(pool, (s) => s.allocated === 2);

    await restart(pool);
    await staysTrue(async () => (await ns.poolStatus(pool))?.allocated === 2, { what: `pool ${pool} keeps 2 allocated`, ms: STAYS_MS });

    await ns.createSandbox(sandbox(`${pool}-3`, pool));
    const [third] = await ns.waitForAllocation(`${pool}-3`, 1);
    expect(held).not.toContain(third);
    await ns.waitForPoolStatus(pool, 'allocated 3', (s) => s.allocated === 3);
  });
});
