import { describe, expect, it } from '@jest/globals';
import { digestPod, toSandboxView } from '../../activities/pool-views.js';
import { failingReason, isReady, isTerminating } from '../../planners/kube/pod-state.js';
import { podFromDigest } from '../../planners/pool/pool-observation.js';
import { planRecycle } from '../../planners/pool/recycle.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { podRevision } from '../../planners/pool/pool-pod.js';
import { defaultEvictionHandler } from '../../planners/pool/pool-eviction.js';
import { aPod } from '../builders/pod.js';

describe('pod digests', () => {
  it.each([
    ['ready', aPod('p').inPool('pool', 'r1').ready('10.244.0.7').build()],
    ['pending', aPod('p').inPool('pool', 'r1').build()],
    ['terminating', aPod('p').inPool('pool', 'r1').ready().terminating().build()],
    ['evicting', aPod('p').inPool('pool', 'r1').ready().label('pool.opensandbox.io/evict', '').build()],
    ['crash-looping', aPod('p').inPool('pool', 'r1').phase('Running').waiting('CrashLoopBackOff').build()],
  ])('keep every fact the planners read (%s)', (_name, pod) => {
    const back = podFromDigest(JSON.parse(JSON.stringify(digestPod(pod))));
    expect(isReady(back)).toBe(isReady(pod));
    expect(isTerminating(back)).toBe(isTerminating(pod));
    expect(failingReason(back)).toBe(failingReason(pod));
    expect(podRevision(back)).toBe(podRevision(pod));
    expect(defaultEvictionHandler.needsEviction(back)).toBe(defaultEvictionHandler.needsEviction(pod));
    expect(back.status?.podIP).toBe(pod.status?.podIP);
  });

  it('stays small: a ready pod digests to under 250 bytes of JSON', () => {
    const pod = aPod('warm-abcd-1rs').inPool('warm', '0123456789abcdef').ready('10.244.3.200').build();
    expect(JSON.stringify(digestPod(pod)).length).toBeLessThan(250);
  });
});

describe('pod digests of Restart pools', () => {
  const restarting = () =>
    aPod('p').inPool('pool', 'r1').ready().container('sandbox', { id: 'cri://sandbox-1' }).container('sidecar', { id: 'cri://sidecar-1' });
  const record = JSON.stringify({
    id: 'bs',
    startTime: '2026-01-01T00:59:00Z',
    containers: { sandbox: 'cri://sandbox-1', sidecar: 'cri://sidecar-1' },
    lastRetryTime: '2026-01-01T00:59:00Z',
    retryCount: 1,
  });
  const NOW = new Date('2026-01-01T01:00:00Z');

  it.each([
    ['no record yet', restarting()],
    [
      'restarted',
      restarting()
        .container('sandbox', { id: 'cri://sandbox-2' })
        .container('sidecar', { id: 'cri://sidecar-2' })
        .annotation(ANNOTATIONS.restartRecord, record),
    ],
    ['one container not running', restarting().container('sidecar', { id: 'cri://sidecar-2', running: false }).annotation(ANNOTATIONS.restartRecord, record)],
    ['kwok reports no container IDs', aPod('p').inPool('pool', 'r1').ready().container('digest', { id: '' })],
  ])('keep what the Restart recycle reads (%s)', (_name, builder) => {
    const pod = builder.build();
    pod.metadata!.resourceVersion = '42';
    const back = podFromDigest(JSON.parse(JSON.stringify(digestPod(pod, true))));
    const plan = (p: typeof pod) => planRecycle({ strategy: { type: 'Restart' }, pod: p, restartConfig: undefined, sandboxName: 'bs', now: NOW });
    expect(plan(back)).toEqual(plan(pod));
    expect(back.metadata?.resourceVersion).toBe('42');
  });

  it('are carried only for Restart pools', () => {
    const pod = restarting().annotation(ANNOTATIONS.restartRecord, record).build();
    expect(digestPod(pod)).not.toHaveProperty('restart');
    expect(digestPod(pod, true)).toHaveProperty('restart.running.sandbox', 'cri://sandbox-1');
  });
});

describe('toSandboxView', () => {
  const sandbox = (annotations: Record<string, string>) => ({
    metadata: { name: 's', uid: 'u', resourceVersion: '5', generation: 2, annotations, finalizers: ['x'] },
    spec: { replicas: 2, poolRef: 'pool' },
  });

  it("reads the allocation annotations, accepting Go's empty forms", () => {
    const view = toSandboxView(
      sandbox({
        'sandbox.opensandbox.io/alloc-status': '{"pods":["a","b"]}',
        'sandbox.opensandbox.io/alloc-release': '{}',
        'sandbox.opensandbox.io/alloc-released': '{"pods":null}',
      }),
    );
    expect(view).toMatchObject({ allocated: ['a', 'b'], releaseRequested: [], released: [], malformed: undefined, replicas: 2 });
  });

  it('marks a malformed annotation with the key and reason instead of failing', () => {
    const view = toSandboxView(sandbox({ 'sandbox.opensandbox.io/alloc-status': '{invalid json missing closing brace' }));
    expect(view.malformed).toMatch(/^sandbox\.opensandbox\.io\/alloc-status: not JSON/);
  });
});
