// kwok: fake nodes whose "kubelet" is the kwok controller playing stack/kwok-stages.yaml, so pods
// bound to them become Running and Ready with an IP without any container runtime.
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { REPO_ROOT } from './toolchain.js';
import { waitUntil } from './wait-until.js';

export const FAKE_NODE_LABEL = 'kwok.opensandbox.io/fake-node';

export interface KwokStartOptions {
  binary: string;
  dataDir: string;
  kubeconfigPath: string;
  timeoutMs: number;
}

export async function startKwok(opts: KwokStartOptions): Promise<ManagedProcess> {
  const port = await freePort();
  const process = ManagedProcess.start({
    name: 'kwok',
    command: opts.binary,
    args: [
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--config=${join(REPO_ROOT, 'stack', 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-label-selector=${FAKE_NODE_LABEL}=true`,
      // One /16 for all fake pods: the benchmarks run 1000+ pods.
      '--cidr=10.244.0.0/16',
      '--node-ip=10.255.0.1',
      `--server-address=127.0.0.1:${port}`,
      '--node-lease-duration-seconds=40',
    ],
    logPath: join(opts.dataDir, 'kwok.log'),
  });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
    what: `kwok http://127.0.0.1:${port}/healthz`,
    timeoutMs: opts.timeoutMs,
    process,
  });
  return process;
}

/** Creates `count` fake nodes (idempotently) and waits until every one of them is Ready. */
export async function createFakeNodes(kc: KubeConfig, count: number, timeoutMs: number): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const names = Array.from({ length: count }, (_, i) => `kwok-node-${i}`);
  for (const name of names) {
    try {
      await core.createNode({ body: fakeNode(name) });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  await waitUntil(
    async () => {
      const nodes = await core.listNode({ labelSelector: `${FAKE_NODE_LABEL}=true` });
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return names.every((name) => ready.some((n) => n.metadata?.name === name));
    },
    { what: `${count} kwok nodes Ready`, timeoutMs },
  );
  return names;
}

function fakeNode(name: string): V1Node {
  // Large enough for the benchmarks' pools (pool-10k: 10,000 pods beside 1,000 replacements) with the
  // server's default 500m/512Mi requests: 2,000 pods a node left 6,000 of them Pending on two nodes.
  const capacity = { cpu: '8000', memory: '8Ti', pods: '12000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        [FAKE_NODE_LABEL]: 'true',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    status: { capacity, allocatable: capacity },
  };
}
