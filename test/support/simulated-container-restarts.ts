// kwok has no container runtime: a pods/exec of the Restart recycle's `kill 1` reaches no process, so
// no container ever restarts by itself. This plays the kubelet's part for the tests: each new attempt a
// pod's restart-record announces (a new retryCount) makes the recorded containers "restart", i.e. the
// pod status gets new container IDs, a fresh running state and restartCount + 1, as a kubelet reports
// it after PID 1 exited. kwok does not overwrite that status: its pod stages (stack/kwok-stages.yaml)
// only act on Pending pods, on Job pods and on deleted pods.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Api, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS } from '../../api/v1alpha1/contract.js';
import { MERGE_PATCH } from '../../kernel/kube-merge-patch.js';

export interface SimulatedContainerRestarts {
  /** Restarts simulated so far, as `<pod>#<attempt>`. */
  readonly restarted: string[];
  stop(): Promise<void>;
}

/** Restarts the containers of `pool`'s pods whenever their restart-record announces a new attempt. */
export function simulateContainerRestarts(core: CoreV1Api, namespace: string, pool: string): SimulatedContainerRestarts {
  const restarted: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: `${LABELS.poolName}=${pool}` }).catch(() => undefined);
      for (const pod of pods?.items ?? []) {
        const attempt = announcedAttempt(pod);
        if (attempt === undefined || restarted.includes(attempt.key) || pod.metadata?.deletionTimestamp) continue;
        // A pod deleted meanwhile is simply skipped; any other failure is retried on the next pass.
        await core
          .patchNamespacedPodStatus(
            { namespace, name: pod.metadata!.name!, body: { status: { containerStatuses: restartedStatuses(pod, attempt) } } },
            MERGE_PATCH,
          )
          .then(
            () => restarted.push(attempt.key),
            () => undefined,
          );
      }
      await sleep(200);
    }
  })();
  return {
    restarted,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function announcedAttempt(pod: V1Pod): { key: string; containers: string[]; retryCount: number } | undefined {
  const value = pod.metadata?.annotations?.[ANNOTATIONS.restartRecord];
  if (value === undefined) return undefined;
  const record = JSON.parse(value) as { containers: Record<string, string>; retryCount: number };
  return { key: `${pod.metadata!.name}#${record.retryCount}`, containers: Object.keys(record.containers), retryCount: record.retryCount };
}

/** The whole list (a merge patch replaces lists): recorded containers restarted, the others as they were. */
function restartedStatuses(pod: V1Pod, attempt: { containers: string[]; retryCount: number }): V1ContainerStatus[] {
  const now = new Date();
  return (pod.status?.containerStatuses ?? []).map((status) =>
    attempt.containers.includes(status.name)
      ? {
          ...status,
          containerID: `kwok://${pod.metadata!.name}-${status.name}-${attempt.retryCount}`,
          restartCount: status.restartCount + 1,
          state: { running: { startedAt: now } },
          lastState: { terminated: { exitCode: 143, reason: 'Error', finishedAt: now } },
        }
      : status,
  );
}
