// The pod cache keeps only what the operator reads: every reader of cached pods must answer the same on a
// compacted pod as on the pod the API sent. A reader of a new field fails here until compact-pod.ts keeps it.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { digestPod } from '../../activities/pool-views.js';
import { controllerOf, failingReason, isAssigned, isReady, isTerminating, podName } from '../../planners/kube/pod-state.js';
import { commitPodStartFailure, commitPodState } from '../../planners/lifecycle/commit-pod-start.js';
import { jobNameOf, readCommitResult } from '../../planners/lifecycle/commit-job.js';
import { mayServePooledSandbox, podRevision } from '../../planners/pool/pool-pod.js';
import { runtimePodOf } from '../../planners/sandbox/batch-sandbox-status.js';
import { podIndexOf } from '../../planners/sandbox/non-pooled-pods.js';
import { compactPod } from '../../watchers/compact-pod.js';

const owner = { apiVersion: 'sandbox.opensandbox.io/v1alpha1', kind: 'Pool', name: 'warm', uid: 'pool-uid', controller: true, blockOwnerDeletion: true };
const running = { running: { startedAt: '2026-12-05T01:00:01Z' as unknown as Date } };

/** A pool pod as kwok serves it (fields as the API sends them), allocated, recycled by Restart once. */
const poolPod: V1Pod = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'warm-a520-0',
    generateName: 'warm-a520-',
    namespace: 'ns',
    uid: 'pod-uid',
    resourceVersion: '4242',
    generation: 1,
    creationTimestamp: '2026-12-05T01:00:00Z' as unknown as Date,
    labels: { [LABELS.poolName]: 'warm', [LABELS.poolRevision]: 'a520', [LABELS.batchSandboxName]: 'bs-1', [LABELS.evict]: '' },
    annotations: {
      [ANNOTATIONS.restartRecord]: '{"containers":{"sandbox":"containerd://1"}}',
      'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}',
    },
    ownerReferences: [owner],
    finalizers: ['example.com/keep'],
  },
  spec: {
    nodeName: 'kwok-node-0',
    containers: [
      { name: 'sandbox', image: 'sandbox:1', env: [{ name: 'A', value: 'b' }], resources: { requests: { cpu: '100m' } }, terminationMessagePolicy: 'File' },
    ],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    volumes: [{ name: 'data', emptyDir: {} }],
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
  },
  status: {
    phase: 'Running',
    podIP: '10.244.0.21',
    podIPs: [{ ip: '10.244.0.21' }],
    hostIP: '10.255.0.1',
    qosClass: 'Burstable',
    startTime: '2026-12-05T01:00:00Z' as unknown as Date,
    conditions: [
      { type: 'Initialized', status: 'True', lastTransitionTime: '2026-12-05T01:00:00Z' as unknown as Date },
      { type: 'Ready', status: 'True', lastTransitionTime: '2026-12-05T01:00:02Z' as unknown as Date, lastProbeTime: null as unknown as Date },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-05T01:00:00Z' as unknown as Date },
    ],
    containerStatuses: [
      {
        name: 'sandbox',
        image: 'sandbox:1',
        imageID: 'docker-pullable://sandbox@sha256:abc',
        ready: true,
        started: true,
        restartCount: 1,
        containerID: 'containerd://2',
        state: running,
        lastState: { terminated: { exitCode: 0, reason: 'Completed', startedAt: new Date(0), finishedAt: new Date(1) } },
      },
    ],
  },
};

/** A non-pooled sandbox pod on its way out, its container failing. */
const failingPod: V1Pod = {
  metadata: {
    name: 'bs-2-0',
    namespace: 'ns',
    uid: 'u2',
    deletionTimestamp: '2026-12-05T01:05:00Z' as unknown as Date,
    labels: { [LABELS.batchSandboxName]: 'bs-2', [LABELS.podIndex]: '0' },
    ownerReferences: [{ ...owner, kind: 'BatchSandbox', name: 'bs-2', uid: 'bs-uid' }],
  },
  spec: { containers: [{ name: 'sandbox', image: 'broken:1' }] },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
    containerStatuses: [
      {
        name: 'sandbox',
        image: 'broken:1',
        imageID: '',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
      },
    ],
  },
};

/** A commit Job's pod whose init container cannot pull, and one whose committer reported its result. */
const commitLabels = { 'batch.kubernetes.io/job-name': 'commit-bs-3', [LABELS.sandboxSnapshotName]: 'bs-3' };
const stuckCommitPod: V1Pod = {
  metadata: { name: 'commit-bs-3-x', namespace: 'ns', uid: 'u3', labels: commitLabels },
  spec: { initContainers: [{ name: 'fetch', image: 'fetcher:bad' }], containers: [{ name: 'commit', image: 'committer:1' }] },
  status: {
    phase: 'Pending',
    initContainerStatuses: [
      { name: 'fetch', image: 'fetcher:bad', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } },
    ],
  },
};
const committedPod: V1Pod = {
  metadata: { name: 'commit-bs-3-y', namespace: 'ns', uid: 'u4', labels: commitLabels },
  spec: { containers: [{ name: 'commit', image: 'committer:1' }] },
  status: {
    phase: 'Succeeded',
    containerStatuses: [
      {
        name: 'commit',
        image: 'committer:1',
        imageID: 'x',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, message: '{"containers":[{"name":"sandbox","image":"r/s:snap","digest":"sha256:1"}]}' } },
      },
    ],
  },
};
const bare: V1Pod = { metadata: { name: 'bare', namespace: 'ns' } };

/** Every reader of cached pods, and what it answers. */
const readers = (pod: V1Pod) => ({
  digest: digestPod(pod),
  digestWithRestart: digestPod(pod, true),
  runtime: runtimePodOf(pod),
  predicates: [isReady(pod), isAssigned(pod), isTerminating(pod), failingReason(pod), podName(pod)],
  controller: controllerOf(pod),
  owners: pod.metadata?.ownerReferences?.map(({ kind, apiVersion, name, uid, controller }) => ({ kind, apiVersion, name, uid, controller })),
  labels: pod.metadata?.labels,
  revision: podRevision(pod),
  servesWarmBs1: mayServePooledSandbox(pod, 'warm', 'bs-1'),
  index: podIndexOf(pod),
  job: jobNameOf(pod),
  commitStart: commitPodStartFailure('commit-bs-3', [pod]),
  commitState: commitPodState('commit-bs-3', pod),
  commitResult: readCommitResult('commit-bs-3', [pod]),
  ids: [pod.metadata?.uid, pod.metadata?.resourceVersion, pod.metadata?.namespace, pod.kind],
});

describe('compactPod', () => {
  it.each([
    ['an allocated pool pod', poolPod],
    ['a failing, terminating sandbox pod', failingPod],
    ['a commit pod that cannot pull', stuckCommitPod],
    ['a commit pod with its result', committedPod],
    ['a pod without spec or status', bare],
  ])('answers every reader as the full pod does: %s', (_, pod) => {
    const full = structuredClone(pod);
    expect(readers(compactPod(pod))).toEqual(readers(full));
  });

  it('drops what nobody reads', () => {
    const kept = compactPod(structuredClone(poolPod));
    expect(kept.metadata?.annotations).toEqual({ [ANNOTATIONS.restartRecord]: poolPod.metadata!.annotations![ANNOTATIONS.restartRecord] });
    expect(kept.spec).toEqual({ nodeName: 'kwok-node-0', containers: [{ name: 'sandbox', image: 'sandbox:1' }], initContainers: undefined });
    expect(kept.status?.conditions?.map((c) => c.type)).toEqual(['Ready']);
    expect(kept.status?.containerStatuses?.[0]).not.toHaveProperty('lastState');
    // A kwok pool pod of the benchmarks: 2,055 -> 930 bytes of JSON.
    expect(JSON.stringify(kept).length).toBeLessThan(JSON.stringify(poolPod).length * 0.6);
  });
});
