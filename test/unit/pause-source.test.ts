// Source pods of a pause: by current ownership and UID, one per replica index, never from a stale
// alloc-status (spec §10 R2).
import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { heldPods, selectPauseSources } from '../../planners/lifecycle/pause-source.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';

const POOL = { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'Pool', metadata: { name: 'pool', uid: 'uid-pool' } };

describe('selectPauseSources, non-pooled', () => {
  const bs = aBatchSandbox('bs').template();
  const own = (index: number, node = `node-${index}`) =>
    aPod(`bs-${index}`)
      .controlledBy(bs.build())
      .label(LABELS.podIndex, String(index))
      .ready(`10.0.0.${index + 1}`)
      .onNode(node);

  it('takes the pod of each replica index controlled by the sandbox (by UID), with node and containers', () => {
    const pods = [own(1).build(), own(0).build(), aPod('other-0').ready().build()];
    expect(selectPauseSources({ sandbox: bs.replicas(2).build(), pods })).toEqual({
      ok: true,
      sources: [
        { index: 0, podName: 'bs-0', podUid: 'uid-bs-0', nodeName: 'node-0', containers: ['sandbox'] },
        { index: 1, podName: 'bs-1', podUid: 'uid-bs-1', nodeName: 'node-1', containers: ['sandbox'] },
      ],
    });
  });

  it('ignores a pod of the same name controlled by an earlier sandbox of the same name (other UID)', () => {
    const stale = aPod('bs-0')
      .controlledBy({ ...bs.build(), metadata: { name: 'bs', uid: 'old-uid' } })
      .ready()
      .build();
    expect(selectPauseSources({ sandbox: bs.replicas(1).build(), pods: [stale] })).toEqual({
      ok: false,
      reason: 'SourcePodNotFound',
      message: 'source pod not found: no pod of replica 0 (expected bs-0)',
    });
  });

  it.each<[string, V1Pod, string]>([
    [
      'not running',
      aPod('bs-0').controlledBy(aBatchSandbox('bs').build()).phase('Pending').build(),
      'pod bs-0 of replica 0 is not running on a node (phase Pending)',
    ],
    ['terminating', aPod('bs-0').controlledBy(aBatchSandbox('bs').build()).ready().terminating().build(), 'no pod of replica 0 (expected bs-0)'],
  ])('refuses a source pod that is %s', (_name, pod, message) => {
    expect(selectPauseSources({ sandbox: bs.replicas(1).build(), pods: [pod] })).toEqual({
      ok: false,
      reason: 'SourcePodNotFound',
      message: `source pod not found: ${message}`,
    });
  });

  it('a detached former pooled sandbox never reads its stale alloc-status (R2)', () => {
    // pool-a was this sandbox's pool pod; it now serves "other" and is Running.
    const reused = aPod('pool-a').controlledBy(POOL).inPool('pool').label(LABELS.batchSandboxName, 'other').ready().build();
    const detached = aBatchSandbox('bs').template().allocated(['pool-a']).build();
    const result = selectPauseSources({ sandbox: detached, pods: [reused, own(0).build()] });
    expect(result).toMatchObject({ ok: true, sources: [{ podName: 'bs-0' }] });
    expect(selectPauseSources({ sandbox: detached, pods: [reused] })).toMatchObject({ ok: false, reason: 'SourcePodNotFound' });
  });

  it('names every missing replica', () => {
    expect(selectPauseSources({ sandbox: bs.replicas(3).build(), pods: [own(1).build()] })).toEqual({
      ok: false,
      reason: 'SourcePodNotFound',
      message: 'source pod not found: no pod of replica 0 (expected bs-0); no pod of replica 2 (expected bs-2)',
    });
  });
});

describe('selectPauseSources, pooled', () => {
  const pooled = () => aBatchSandbox('bs').poolRef('pool');
  const poolPod = (name: string) => aPod(name).controlledBy(POOL).inPool('pool').ready().onNode(`node-${name}`);

  it('takes the held pods in alloc-status order: minus release requested and released', () => {
    const bs = pooled().replicas(2).allocated(['pool-x', 'pool-a', 'pool-b']).releaseRequested(['pool-x']).build();
    const pods = [poolPod('pool-b').build(), poolPod('pool-a').label(LABELS.batchSandboxName, 'bs').build(), poolPod('pool-x').build()];
    expect(selectPauseSources({ sandbox: bs, pods, poolUid: 'uid-pool' })).toEqual({
      ok: true,
      sources: [
        { index: 0, podName: 'pool-a', podUid: 'uid-pool-a', nodeName: 'node-pool-a', containers: ['sandbox'] },
        { index: 1, podName: 'pool-b', podUid: 'uid-pool-b', nodeName: 'node-pool-b', containers: ['sandbox'] },
      ],
    });
  });

  it.each<[string, V1Pod, string]>([
    [
      'labelled as serving another sandbox',
      poolPod('pool-a').label(LABELS.batchSandboxName, 'other').build(),
      'pod pool-a in alloc-status now serves BatchSandbox other',
    ],
    [
      'controlled by a Pool of the same name with another UID',
      aPod('pool-a')
        .controlledBy({ ...POOL, metadata: { name: 'pool', uid: 'old' } })
        .inPool('pool')
        .ready()
        .build(),
      'pod pool-a in alloc-status is not a pod of Pool pool',
    ],
    [
      'of another pool',
      aPod('pool-a')
        .controlledBy({ ...POOL, metadata: { name: 'p2', uid: 'uid-p2' } })
        .inPool('p2')
        .ready()
        .build(),
      'pod pool-a in alloc-status is not a pod of Pool pool',
    ],
  ])('refuses an alloc-status pod %s', (_name, pod, message) => {
    const bs = pooled().allocated(['pool-a']).build();
    expect(selectPauseSources({ sandbox: bs, pods: [pod], poolUid: 'uid-pool' })).toEqual({
      ok: false,
      reason: 'SourcePodNotFound',
      message: `source pod not found: ${message}`,
    });
  });

  it('without the Pool UID, checks the owner by name', () => {
    const bs = pooled().allocated(['pool-a']).build();
    expect(selectPauseSources({ sandbox: bs, pods: [poolPod('pool-a').build()] })).toMatchObject({ ok: true, sources: [{ podName: 'pool-a' }] });
  });

  it('reports a missing or released pod, and a malformed annotation', () => {
    expect(selectPauseSources({ sandbox: pooled().allocated(['pool-a']).build(), pods: [] })).toMatchObject({
      ok: false,
      message: 'source pod not found: pod pool-a of replica 0 does not exist',
    });
    expect(selectPauseSources({ sandbox: pooled().allocated(['pool-a']).released(['pool-a']).build(), pods: [poolPod('pool-a').build()] })).toMatchObject({
      ok: false,
      message: 'source pod not found: no pod allocated for replica 0',
    });
    const malformed = pooled().annotation('sandbox.opensandbox.io/alloc-status', '{bad').build();
    expect(selectPauseSources({ sandbox: malformed, pods: [] })).toMatchObject({ ok: false, reason: 'MalformedAllocation' });
  });
});

describe('heldPods: whether a failed pause left the sandbox any pod', () => {
  const bs = aBatchSandbox('bs').template().replicas(2);

  it('non-pooled: its own pods by UID, whatever their phase, minus terminating ones and namesakes', () => {
    const own = (name: string) => aPod(name).controlledBy(bs.build());
    const pods = [
      own('bs-0').phase('Pending').build(),
      own('bs-1').ready().terminating().build(),
      aPod('bs-1')
        .controlledBy({ ...bs.build(), metadata: { name: 'bs', uid: 'old-uid' } })
        .ready()
        .build(),
    ];
    expect(heldPods({ sandbox: bs.build(), pods }).map((p) => p.metadata?.name)).toEqual(['bs-0']);
  });

  it("pooled: the alloc-status pods still the Pool's; a malformed annotation holds none", () => {
    const pooled = aBatchSandbox('bs').poolRef('pool');
    const pod = aPod('pool-a').controlledBy(POOL).inPool('pool').phase('Pending').build();
    expect(heldPods({ sandbox: pooled.allocated(['pool-a']).build(), pods: [pod], poolUid: 'uid-pool' })).toEqual([pod]);
    expect(heldPods({ sandbox: pooled.allocated(['pool-a']).build(), pods: [pod], poolUid: 'other-pool-uid' })).toEqual([]);
    const malformed = aBatchSandbox('bs').poolRef('pool').annotation('sandbox.opensandbox.io/alloc-status', '{bad').build();
    expect(heldPods({ sandbox: malformed, pods: [pod] })).toEqual([]);
  });
});
