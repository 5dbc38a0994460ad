// A pause survives an operator restart (durable execution): the operator stops while the commit Job runs,
// and the run picks up on the restarted operator's worker: the Job's deadline still ends it, the sandbox
// keeps running, and PauseFailed says Timeout. The stack's simulated committer hangs on the source pod's
// annotation, as a commit that never finishes would.
import { describe, expect, it } from '@jest/globals';
import { SIMULATED_COMMIT_ANNOTATION } from '../../stack/simulated-commit-outcome.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { startInProcessPoolOperator } from '../support/in-process-pool-operator.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';

const SNAPSHOT = { registry: 'registry.kwok.local:5000/sandboxes', timeoutSeconds: 10 };
const suite = poolOperatorSuite('pause-restart', { batchSandboxController: true, snapshot: SNAPSHOT });
const { ns } = suite;
const life = new LifecycleNamespace(ns);

describe('pause across an operator restart', () => {
  it('carries on after the restart and ends the overrunning commit with Timeout', async () => {
    const bs = aBatchSandbox('restarted', ns.namespace)
      .template({ metadata: { annotations: { [SIMULATED_COMMIT_ANNOTATION]: 'hang' } }, spec: { containers: [{ name: 'c', image: 'sandbox:1' }] } })
      .build();
    await ns.createSandbox(bs);
    await life.waitForSandbox('restarted', 'ready', (s) => s.status?.phase === 'Succeed' && s.status.ready === 1);
    await life.setPause('restarted', true);
    await life.waitForPhase('restarted', 'Pausing');
    await waitUntil(async () => (await life.jobsOf('restarted-pause')).length > 0, { what: 'commit Job created', timeoutMs: 30_000 });

    const { taskQueue } = suite.operator;
    await suite.operator.stop();
    suite.operator = await startInProcessPoolOperator(ns.namespace, { taskQueue, batchSandboxController: true, snapshot: SNAPSHOT });

    const failed = await life.waitForSandbox('restarted', 'PauseFailed', (s) =>
      (s.status?.conditions ?? []).some((c) => c.type === 'PauseFailed' && c.status === 'True'),
    );
    expect(failed.status?.phase).toBe('Succeed');
    expect(failed.status?.conditions?.find((c) => c.type === 'PauseFailed')?.reason).toBe('Timeout');
    expect(failed.status?.ready).toBe(1);
    expect((await life.getSnapshot('restarted-pause'))?.status?.phase).toBe('Failed');
  });
});
