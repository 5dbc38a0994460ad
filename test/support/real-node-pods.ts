// Pods on the stack's real node for the tests: stack/real-node/real-node-pods.ts bound to the test stack.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { podName } from '../../planners/kube/pod-state.js';
import { execInPod as execWith, realNodeTemplate as templateFor } from '../../stack/real-node/real-node-pods.js';
import { testStackInfo, type RealNodeInfo } from './stack.js';

/** A pod template for the real node running the stack's busybox image. */
export function realNodeTemplate(realNode: RealNodeInfo, containers: { name: string; command: string }[]): PodTemplate {
  return templateFor(realNode.images.busybox, containers);
}

export function execInPod(namespace: string, pod: string, container: string, script: string): Promise<string> {
  return execWith(testStackInfo().kubeconfigPath, namespace, pod, container, script);
}

/** `sha256sum` lines → path → hex digest. */
export function parseSha256sum(output: string): Record<string, string> {
  return Object.fromEntries(
    output
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [digest, path] = line.trim().split(/\s+/);
        return [path!, digest!];
      }),
  );
}

/** Waiting reasons of a container on its way up. */
const STARTING: ReadonlySet<string> = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Why `pod` cannot start - a container waiting for another reason than its start (ErrImagePull,
 * CrashLoopBackOff) - with that container's last run's log; undefined while nothing keeps it from starting.
 */
export async function whyPodCannotStart(core: CoreV1Api, pod: V1Pod): Promise<string | undefined> {
  const stuck = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason && !STARTING.has(s.state.waiting.reason));
  if (!stuck) return undefined;
  const { reason, message } = stuck.state!.waiting!;
  const log = await core
    .readNamespacedPodLog({ name: podName(pod), namespace: pod.metadata!.namespace!, container: stuck.name, previous: true, tailLines: 40 })
    .catch((err: unknown) => `(no log: ${String(err)})`);
  return `${reason} ${message ?? ''}; its log:\n${log}`;
}
