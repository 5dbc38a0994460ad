// What the pod cache keeps of each pod: the fields the operator reads from cached pods, and nothing else
// (as a controller-runtime cache transform would). The watch role caches every pod of its namespaces, and
// most of a pod is never read: tolerations, volumes, conditions but Ready, container details. A kwok pool
// pod is 2.2 KB of JSON and about 0.8 KB of it stays; real pods (env, probes, volumes) lose more.
//
// Readers of cached pods (audited 2026-12-05): planners/kube/pod-state.ts, activities/pool-views.ts
// (digestPod), planners/sandbox/batch-sandbox-status.ts (runtimePodOf), planners/lifecycle/commit-pod-start.ts
// and commit-job.ts, the pool signaler's fingerprint, the controllers' owner and label lookups.
// test/unit/compact-pod.test.ts checks each gives the same answer on a compacted pod; a new reader of a
// field not kept here must add it.
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { ANNOTATIONS } from '../api/v1alpha1/contract.js';

export function compactPod(pod: V1Pod): V1Pod {
  const { metadata, spec, status } = pod;
  const restartRecord = metadata?.annotations?.[ANNOTATIONS.restartRecord];
  return {
    ...(pod.kind === undefined ? {} : { kind: pod.kind }),
    ...(pod.apiVersion === undefined ? {} : { apiVersion: pod.apiVersion }),
    metadata: metadata && {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
      deletionTimestamp: metadata.deletionTimestamp,
      labels: metadata.labels,
      annotations: restartRecord === undefined ? undefined : { [ANNOTATIONS.restartRecord]: restartRecord },
      ownerReferences: metadata.ownerReferences,
      finalizers: metadata.finalizers,
    },
    spec: spec && {
      nodeName: spec.nodeName,
      containers: spec.containers.map(({ name, image }) => ({ name, image })),
      initContainers: spec.initContainers?.map(({ name, image }) => ({ name, image })),
    },
    status: status && {
      phase: status.phase,
      podIP: status.podIP,
      conditions: status.conditions?.filter((c) => c.type === 'Ready').map(readyCondition),
      containerStatuses: status.containerStatuses?.map(containerStatus),
      initContainerStatuses: status.initContainerStatuses?.map(containerStatus),
    },
  };
}

function readyCondition({ type, status, lastTransitionTime }: V1PodCondition): V1PodCondition {
  return { type, status, lastTransitionTime };
}

/** `state` whole (small); imageID, ready and started are required by the type, not read. */
function containerStatus({ name, image, imageID, ready, started, restartCount, containerID, state }: V1ContainerStatus): V1ContainerStatus {
  return { name, image, imageID, ready, started, restartCount, containerID, state };
}
