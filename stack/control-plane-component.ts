// kube-controller-manager and kube-scheduler: both serve /healthz on a secure port of their own and
// talk to the apiserver through the admin kubeconfig.
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { httpsGet } from './https-get.js';
import { ManagedProcess } from './managed-process.js';
import { waitUntil } from './wait-until.js';

export interface ControlPlaneComponentSpec {
  name: 'kube-controller-manager' | 'kube-scheduler';
  binary: string;
  dataDir: string;
  kubeconfigPath: string;
  extraArgs: string[];
  timeoutMs: number;
}

export async function startControlPlaneComponent(spec: ControlPlaneComponentSpec): Promise<ManagedProcess> {
  const port = await freePort();
  const process = ManagedProcess.start({
    name: spec.name,
    command: spec.binary,
    args: [
      `--kubeconfig=${spec.kubeconfigPath}`,
      `--authentication-kubeconfig=${spec.kubeconfigPath}`,
      `--authorization-kubeconfig=${spec.kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--leader-elect=false',
      '--v=1',
      ...spec.extraArgs,
    ],
    logPath: join(spec.dataDir, `${spec.name}.log`),
  });
  await waitUntil(async () => (await httpsGet(`https://127.0.0.1:${port}/healthz`)).status === 200, {
    what: `${spec.name} https://127.0.0.1:${port}/healthz`,
    timeoutMs: spec.timeoutMs,
    process,
    intervalMs: 200,
  });
  return process;
}
