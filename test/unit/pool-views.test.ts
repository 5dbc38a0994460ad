import { describe, expect, it } from '@jest/globals';
import { digestPod, toSandboxView, waitsInAnotherPool, type RawBatchSandbox } from '../../activities/pool-views.js';
import { isReady, isTerminating } from '../../planners/kube/pod-state.js';
import { isReadyPod, isTerminatingPod, runtimePodOfDigest, type PodDigest } from '../../planners/pool/pool-observation.js';
import { runtimePodOf } from '../../planners/sandbox/batch-sandbox-status.js';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { AUTO_ASSIGN_POOL_REF } from '../../api/v1alpha1/batch-sandbox.js';
import { podRevision } from '../../planners/pool/pool-pod.js';
import { aPod } from '../builders/pod.js';

/** A round trip through the workflow history: JSON. */
const recorded = (digest: PodDigest): PodDigest => JSON.parse(JSON.stringify(digest)) as PodDigest;

describe('pod digests', () => {
  it.each([
    ['ready', aPod('p').inPool('pool', 'r1').ready('10.244.0.7').build()],
    ['pending', aPod('p').inPool('pool', 'r1').build()],
    ['scheduled, no IP yet', aPod('p').inPool('pool', 'r1').onNode('n1').phase('Running').build()],
    ['terminating', aPod('p').inPool('pool', 'r1').ready().terminating().build()],
    ['evicting', aPod('p').inPool('pool', 'r1').ready().label(LABELS.evict, '').build()],
    ['crash-looping', aPod('p').inPool('pool', 'r1').phase('Running').waiting('CrashLoopBackOff').build()],
  ])('keep every fact the planners read (%s)', (_name, pod) => {
    const digest = recorded(digestPod(pod));
    expect(isReadyPod(digest)).toBe(isReady(pod));
    expect(isTerminatingPod(digest)).toBe(isTerminating(pod));
    expect(digest.revision).toBe(podRevision(pod));
    expect(digest.evict === true).toBe(LABELS.evict in (pod.metadata?.labels ?? {}));
    // What a sandbox's runtime status reads of it, the same as of the pod itself.
    expect(runtimePodOfDigest(digest)).toEqual(runtimePodOf(pod));
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

  it.each([
    ['no record yet', restarting(), { sandbox: 'cri://sandbox-1', sidecar: 'cri://sidecar-1' }, undefined],
    [
      'restarted',
      restarting()
        .container('sandbox', { id: 'cri://sandbox-2' })
        .container('sidecar', { id: 'cri://sidecar-2' })
        .annotation(ANNOTATIONS.restartRecord, record),
      { sandbox: 'cri://sandbox-2', sidecar: 'cri://sidecar-2' },
      record,
    ],
    [
      'one container not running',
      restarting().container('sidecar', { id: 'cri://sidecar-2', running: false }).annotation(ANNOTATIONS.restartRecord, record),
      { sandbox: 'cri://sandbox-1' },
      record,
    ],
    ['kwok reports no container IDs', aPod('p').inPool('pool', 'r1').ready().container('main', { id: '' }), { main: '' }, undefined],
  ])('keep what the Restart recycle reads: running containers, the record, the version (%s)', (_name, builder, running, expectedRecord) => {
    const pod = builder.build();
    pod.metadata!.resourceVersion = '42';
    expect(recorded(digestPod(pod, true)).restart).toEqual({
      resourceVersion: '42',
      running,
      ...(expectedRecord === undefined ? {} : { record: expectedRecord }),
    });
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

describe('sandboxes waiting in other pools', () => {
  const sandbox = (spec: RawBatchSandbox['spec'], status?: { allocated: number }, deleting = false): RawBatchSandbox => ({
    metadata: { name: 's', ...(deleting ? { deletionTimestamp: '2026-12-05T12:00:00Z' } : {}) },
    spec,
    ...(status ? { status: status as RawBatchSandbox['status'] } : {}),
  });

  it('counts a pooled sandbox of another pool whose status shows fewer pods than replicas', () => {
    expect(waitsInAnotherPool(sandbox({ poolRef: 'other', replicas: 2 }), 'mine')).toBe(true);
    expect(waitsInAnotherPool(sandbox({ poolRef: 'other', replicas: 2 }, { allocated: 1 }), 'mine')).toBe(true);
    expect(waitsInAnotherPool(sandbox({ poolRef: 'other' }), 'mine')).toBe(true);
  });

  it('leaves out served, deleting, own, non-pooled, detached and auto-assigned sandboxes', () => {
    expect(waitsInAnotherPool(sandbox({ poolRef: 'other', replicas: 2 }, { allocated: 2 }), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ poolRef: 'other' }, undefined, true), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ poolRef: 'mine' }), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ template: {} }), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ poolRef: '', template: {} }), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ poolRef: '' }), 'mine')).toBe(false);
    expect(waitsInAnotherPool(sandbox({ poolRef: AUTO_ASSIGN_POOL_REF }), 'mine')).toBe(false);
  });
});
