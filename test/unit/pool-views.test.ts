import { describe, expect, it } from '@jest/globals';
import { digestPod, toSandboxView } from '../../activities/pool-views.js';
import { failingReason, isReady, isTerminating } from '../../planners/pod-state.js';
import { podFromDigest } from '../../planners/pool-observation.js';
import { podRevision } from '../../planners/pool-pod.js';
import { defaultEvictionHandler } from '../../planners/pool-eviction.js';
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

describe('toSandboxView', () => {
  const sandbox = (annotations: Record<string, string>) => ({
    metadata: { name: 's', uid: 'u', resourceVersion: '5', generation: 2, annotations, finalizers: ['x'] },
    spec: { replicas: 2, poolRef: 'pool' },
  });

  it('reads the allocation annotations, accepting Go\'s empty forms', () => {
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
