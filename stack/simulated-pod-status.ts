// Pod statuses the local stack's simulated kubelet (stack/simulated-committer.ts) writes where kwok's
// stages cannot: a pod whose image cannot be pulled, and a commit/unpause Job pod whose committer exited.
// Shaped as a kubelet reports them, so the operator's pod readers see what they would on a real node.
import type { V1Container, V1ContainerStatus, V1PodCondition, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { isUnpullableImage, registryHost } from './simulated-registry.js';

const ERR_IMAGE_PULL = 'ErrImagePull';

/** The containers (init containers included) whose image cannot be pulled. */
function unpullableContainers(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].filter((c) => isUnpullableImage(c.image ?? ''));
}

/** A Pending pod with an unpullable image that does not show ErrImagePull for it yet. */
export function needsImagePullFailure(pod: V1Pod): boolean {
  if (pod.status?.phase !== 'Pending') return false;
  const statuses = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
  return unpullableContainers(pod).some((c) => statuses.find((s) => s.name === c.name)?.state?.waiting?.reason !== ERR_IMAGE_PULL);
}

export function imagePullMessage(image: string): string {
  const host = registryHost(image).replace(/:\d+$/, '');
  return `failed to pull image "${image}": failed to resolve reference "${image}": dial tcp: lookup ${host}: no such host`;
}

/**
 * Pending, every unpullable container waiting ErrImagePull, the others still being created (an
 * unpullable init container keeps the app containers from starting: PodInitializing).
 */
export function imagePullFailedStatus(pod: V1Pod, now: Date): V1PodStatus {
  const initBlocked = (pod.spec?.initContainers ?? []).some((c) => isUnpullableImage(c.image ?? ''));
  const waiting = (c: V1Container, otherwise: string): V1ContainerStatus => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: {
      waiting: isUnpullableImage(c.image ?? '') ? { reason: ERR_IMAGE_PULL, message: imagePullMessage(c.image ?? '') } : { reason: otherwise },
    },
  });
  const notReady = (type: string, reason: string): V1PodCondition => ({ type, status: 'False', reason, lastTransitionTime: now });
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      initBlocked ? notReady('Initialized', 'ContainersNotInitialized') : { type: 'Initialized', status: 'True', lastTransitionTime: now },
      notReady('ContainersReady', 'ContainersNotReady'),
      notReady('Ready', 'ContainersNotReady'),
    ],
    initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => waiting(c, 'PodInitializing')),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => waiting(c, initBlocked ? 'PodInitializing' : 'ContainerCreating')),
  };
}

/** Succeeded (exit 0, Completed) or Failed (exit 1, Error); `message` is the termination message. */
export function exitedStatus(pod: V1Pod, exit: { exitCode: 0 | 1; message: string }, now: Date): V1PodStatus {
  const succeeded = exit.exitCode === 0;
  const reason = succeeded ? 'PodCompleted' : 'PodFailed';
  const readiness = new Set(['Ready', 'ContainersReady']);
  const conditions = (pod.status?.conditions ?? []).map((c) =>
    readiness.has(c.type) ? { type: c.type, status: 'False', reason, lastTransitionTime: now } : c,
  );
  return {
    phase: succeeded ? 'Succeeded' : 'Failed',
    conditions,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => {
      const previous = pod.status?.containerStatuses?.find((s) => s.name === c.name);
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: previous?.imageID ?? '',
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode: exit.exitCode,
            reason: succeeded ? 'Completed' : 'Error',
            ...(exit.message ? { message: exit.message } : {}),
            startedAt: previous?.state?.running?.startedAt ?? now,
            finishedAt: now,
          },
        },
      };
    }),
  };
}
