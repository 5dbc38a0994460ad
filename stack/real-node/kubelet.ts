// The real node's kubelet: joins the stack's kube-apiserver with a bearer token of the node identity
// (system:node:<name> in system:nodes, authorized by the Node authorizer), serves its API on the node IP
// with webhook authentication/authorization plus the stack CA for the apiserver's client certificate,
// and is tainted so that only pods that ask for a real node land on it (the kwok tests' pods do not).
// Settings this machine kind needs: cgroup v1 with the cgroupfs driver, no oom_score_adj changes (no
// CAP_SYS_RESOURCE), swap tolerated, no iptables chains (no iptables binary).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ManagedProcess } from '../managed-process.js';
import { waitUntil } from '../wait-until.js';
import { NODE_IP } from './node-network.js';

/** Pods for the real node tolerate this taint and select this label. */
export const REAL_NODE_LABEL = 'opensandbox.io/real-node';
export const REAL_NODE_TAINT = { key: REAL_NODE_LABEL, value: 'true', effect: 'NoSchedule' } as const;
export const KUBELET_PORT = 10250;

export interface KubeletSettings {
  nodeName: string;
  dir: string;
  containerdSocket: string;
  clientCaPath: string;
  healthzPort: number;
}

export function kubeletConfiguration(settings: KubeletSettings): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: settings.healthzPort,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: settings.clientCaPath } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${settings.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    oomScoreAdj: 0,
    makeIPTablesUtilChains: false,
    protectKernelDefaults: false,
    serializeImagePulls: false,
    // Test images are tiny; never evict for disk or memory pressure on a shared development machine.
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // A snappy node: status every 2 s, pods synced promptly.
    nodeStatusUpdateFrequency: '2s',
    syncFrequency: '10s',
    fileCheckFrequency: '0s',
    registerWithTaints: [REAL_NODE_TAINT],
    resolvConf: '/etc/resolv.conf',
    volumePluginDir: join(settings.dir, 'volume-plugins'),
    podLogsDir: join(settings.dir, 'pod-logs'),
    maxPods: 50,
  };
}

export function kubeletKubeconfig(apiServerUrl: string, caPath: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: apiServerUrl, 'certificate-authority': caPath } }],
    users: [{ name: 'kubelet', user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'kubelet' } }],
    'current-context': 'local',
  });
}

export interface StartKubeletOptions extends KubeletSettings {
  kubelet: string;
  apiServerUrl: string;
  apiServerCaPath: string;
  token: string;
  /** Admin view of the cluster, to see the node become Ready. */
  kubeConfig: KubeConfig;
  logPath: string;
  timeoutMs: number;
}

export async function startKubelet(opts: StartKubeletOptions): Promise<ManagedProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const configPath = join(opts.dir, 'kubelet.yaml');
  const kubeconfigPath = join(opts.dir, 'kubelet.kubeconfig');
  writeFileSync(configPath, stringify(kubeletConfiguration(opts)));
  writeFileSync(kubeconfigPath, kubeletKubeconfig(opts.apiServerUrl, opts.apiServerCaPath, opts.token), { mode: 0o600 });
  const process = ManagedProcess.start({
    name: 'kubelet',
    command: opts.kubelet,
    args: [
      `--config=${configPath}`,
      `--kubeconfig=${kubeconfigPath}`,
      `--root-dir=${join(opts.dir, 'root')}`,
      `--cert-dir=${join(opts.dir, 'pki')}`,
      `--hostname-override=${opts.nodeName}`,
      `--node-ip=${NODE_IP}`,
      `--node-labels=${REAL_NODE_LABEL}=true`,
      '--v=1',
    ],
    logPath: opts.logPath,
  });
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  await waitUntil(
    async () => {
      const node = await core.readNode({ name: opts.nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    { what: `real node ${opts.nodeName} Ready`, timeoutMs: opts.timeoutMs, process, intervalMs: 250 },
  );
  return process;
}
