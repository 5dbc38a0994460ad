// Pods on the stack's real node, as a user reaches them: the template that lands a sandbox there, and
// `kubectl exec` into a running container (through the apiserver to the kubelet and containerd). Used by
// the tests and the benchmark.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';
import { resolveToolchain } from '../toolchain.js';
import { REAL_NODE_LABEL } from './kubelet.js';

const execFileAsync = promisify(execFile);

/** A pod template for the real node: its label selected, its taint tolerated, a quick stop. */
export function realNodeTemplate(image: string, containers: { name: string; command: string }[]): PodTemplate {
  return {
    spec: {
      nodeSelector: { [REAL_NODE_LABEL]: 'true' },
      tolerations: [{ key: REAL_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
      terminationGracePeriodSeconds: 1,
      containers: containers.map(({ name, command }) => ({ name, image, command: ['sh', '-c', command] })),
    },
  };
}

/** Runs `script` with sh in the container; returns its stdout. */
export async function execInPod(kubeconfigPath: string, namespace: string, pod: string, container: string, script: string): Promise<string> {
  const { kubectl } = resolveToolchain();
  const { stdout } = await execFileAsync(kubectl, ['--kubeconfig', kubeconfigPath, '-n', namespace, 'exec', pod, '-c', container, '--', 'sh', '-c', script], {
    timeout: 120_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  return stdout;
}
