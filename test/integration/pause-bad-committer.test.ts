// A committer image that cannot run (spec §6.7 bad input): the commit Job's pod waits on ErrImagePull,
// which never goes away by itself. The pause fails at once with the kubelet's reason in PauseFailed and the
// sandbox keeps running, instead of sitting in Pausing until the Job's deadline. The stack's kwok nodes
// cannot pull any image from a `.invalid` registry (stack/simulated-registry.ts).
import { describe, expect, it } from '@jest/globals';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';

const COMMITTER_IMAGE = 'registry.invalid/opensandbox/image-committer:missing';
const suite = poolOperatorSuite('pause-bad-committer', {
  batchSandboxController: true,
  // The deadline is far away: the failure must come from the pod's state, not from the clock.
  snapshot: { registry: 'registry.kwok.local:5000/sandboxes', committerImage: COMMITTER_IMAGE, timeoutSeconds: 600 },
});
const { ns } = suite;
const life = new LifecycleNamespace(ns);

describe('pause with a committer image that cannot be pulled', () => {
  it('fails the pause with the pull error in PauseFailed and keeps the sandbox running', async () => {
    await ns.createSandbox(aBatchSandbox('unpullable-committer', ns.namespace).template().build());
    await life.waitForSandbox('unpullable-committer', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1);
    const started = Date.now();
    await life.setPause('unpullable-committer', true);
    const failed = await life.waitForSandbox('unpullable-committer', 'PauseFailed', (bs) =>
      (bs.status?.conditions ?? []).some((c) => c.type === 'PauseFailed' && c.status === 'True'),
    );
    const pauseFailed = failed.status?.conditions?.find((c) => c.type === 'PauseFailed');
    expect(failed.status?.phase).toBe('Succeed');
    expect(pauseFailed?.message).toContain('ErrImagePull');
    expect(pauseFailed?.message).toContain(COMMITTER_IMAGE);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((await life.getSnapshot('unpullable-committer-pause'))?.status?.phase).toBe('Failed');
  });
});
