// One real Kubernetes node beside the kwok nodes: kubelet + containerd + runc + the CNI bridge, kube-proxy
// (Services reachable from its pods and from the host), and an OCI
// registry on the node's address that the host's containerd and the pods both reach, with the project's
// own images (pause, busybox, image-committer, task-executor) pushed to it. Facts and settings behind
// each choice: ../shared/design/real-node.md. The node is machine-wide (fixed host paths and sysctls):
// one per machine, root only. Everything it changes on the host is recorded first and put back by stop(), or by
// the next start when the previous owner died.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { pushStackImages, type StackImages } from '../../images/stack-images.js';
import type { ApiServerExtras } from '../kube-apiserver.js';
import { isProcessAlive, type ManagedProcess } from '../managed-process.js';
import { startOciRegistry } from '../oci-registry.js';
import { SIMULATED_REGISTRY_PASSWORD, SIMULATED_REGISTRY_USERNAME } from '../simulated-registry.js';
import { freePort } from '../free-port.js';
import type { RealNodeTools } from '../toolchain.js';
import { containerdPaths, startContainerd } from './containerd.js';
import { captureHostState, restoreHostState, type HostStateRecord } from './host-state.js';
import { startApiServerRelay, type ApiServerRelay } from './api-server-relay.js';
import { deployCommitAgent, type StackCommitAgent } from './commit-agent.js';
import { startKubelet } from './kubelet.js';
import { removeKubeProxyRules, startKubeProxy } from './kube-proxy.js';
import { killProcessesOf, removePodSandboxes, unmountUnder } from './node-leftovers.js';
import { NODE_IP, setUpNodeAddress, tearDownNodeNetwork } from './node-network.js';
import { createRealNodePki, type RealNodePki } from './pki.js';
import { realNodeProblems } from './preflight.js';

export const REAL_NODE_NAME = 'opensandbox-real-node';
/** The stack registry's address, as pods and the node's containerd reach it. */
export const REAL_NODE_REGISTRY = `${NODE_IP}:5000`;
/**
 * A second registry that wants credentials (the simulated registries' account, stack/simulated-registry.ts):
 * where pushes and pulls with a wrong or missing secret are refused for real.
 */
export const REAL_NODE_AUTH_REGISTRY = `${NODE_IP}:5001`;
const OWNER_DIR = '/run/opensandbox-real-node';
const OWNER_FILE = join(OWNER_DIR, 'owner.json');

export interface RealNode {
  nodeName: string;
  nodeIp: string;
  /** host:port of the registry (plain HTTP) on the node's address. */
  registry: string;
  /** host:port of the registry that accepts only SIMULATED_REGISTRY_USERNAME / _PASSWORD. */
  authRegistry: string;
  images: StackImages;
  containerdSocket: string;
  /** The node commit agent (ADR 0007), Ready on the node. */
  commitAgent: StackCommitAgent;
  stop(): Promise<void>;
}

/** The operator's settings for pausing on the real node: the stack registry and the project's committer. */
export function realNodeOperatorEnv(realNode: Omit<RealNode, 'stop'>): Record<string, string> {
  return {
    SNAPSHOT_REGISTRY: `${realNode.registry}/snapshots`,
    SNAPSHOT_REGISTRY_INSECURE: 'true',
    IMAGE_COMMITTER_IMAGE: realNode.images.imageCommitter,
    CONTAINERD_SOCKET_PATH: realNode.containerdSocket,
  };
}

/** The operator's settings for committing through the node's agent, for an operator on the host. */
export function realNodeCommitAgentEnv(realNode: Omit<RealNode, 'stop'>): Record<string, string> {
  return { COMMIT_AGENT_TOKEN_FILE: realNode.commitAgent.tokenFile, COMMIT_AGENT_NAMESPACE: realNode.commitAgent.namespace };
}

interface OwnerRecord {
  pid: number;
  nodeDir: string;
  hostState: HostStateRecord;
}

/** What to do before the kube-apiserver starts: certificates, and the flags and token it needs. */
export interface PreparedRealNode {
  apiServerExtras: ApiServerExtras;
  start(opts: { apiServerUrl: string; apiServerCaPath: string; kubeConfig: KubeConfig; kubeconfigPath: string; timeoutMs: number }): Promise<RealNode>;
}

export function prepareRealNode(tools: RealNodeTools, dataDir: string): PreparedRealNode {
  const problems = realNodeProblems(tools);
  if (problems.length > 0) throw new Error(`the real node cannot start on this machine: ${problems.join('; ')}`);
  const nodeDir = join(dataDir, 'real-node');
  const pki: RealNodePki = createRealNodePki(join(nodeDir, 'pki'));
  const token = randomBytes(24).toString('hex');
  return {
    apiServerExtras: {
      tokens: [`${token},system:node:${REAL_NODE_NAME},${REAL_NODE_NAME},"system:nodes"`],
      args: [
        `--kubelet-client-certificate=${pki.apiServerKubeletClientCertPath}`,
        `--kubelet-client-key=${pki.apiServerKubeletClientKeyPath}`,
        '--kubelet-preferred-address-types=InternalIP',
        // The `kubernetes` Service's endpoint: pods reach it through kube-proxy and the relay on the node
        // address (api-server-relay.ts); a loopback endpoint is refused.
        `--advertise-address=${NODE_IP}`,
      ],
    },
    start: (opts) => startRealNode({ ...opts, tools, nodeDir, pki, token }),
  };
}

async function startRealNode(opts: {
  tools: RealNodeTools;
  nodeDir: string;
  pki: RealNodePki;
  token: string;
  apiServerUrl: string;
  apiServerCaPath: string;
  kubeConfig: KubeConfig;
  /** The admin kubeconfig (kube-proxy's). */
  kubeconfigPath: string;
  timeoutMs: number;
}): Promise<RealNode> {
  const { tools, nodeDir } = opts;
  cleanUpDeadOwner(tools);
  const hostState = captureHostState();
  mkdirSync(OWNER_DIR, { recursive: true });
  writeFileSync(OWNER_FILE, JSON.stringify({ pid: process.pid, nodeDir, hostState } satisfies OwnerRecord));

  const paths = containerdPaths(nodeDir);
  const registries: { stop(): Promise<void> }[] = [];
  let containerd: ManagedProcess | undefined;
  let kubelet: ManagedProcess | undefined;
  let kubeProxy: ManagedProcess | undefined;
  let relay: ApiServerRelay | undefined;
  const stop = async (): Promise<void> => {
    await kubeProxy?.stop(10_000);
    await relay?.stop();
    await kubelet?.stop(10_000);
    const failures: string[] = [];
    if (containerd?.running) failures.push(...removePodSandboxes(tools.crictl, paths.socket));
    await containerd?.stop(10_000);
    for (const registry of registries) await registry.stop();
    failures.push(...undoOnHost(tools, nodeDir, hostState));
    rmSync(OWNER_FILE, { force: true });
    if (failures.length > 0) process.stderr.write(`[real-node] clean-up left: ${failures.join('; ')}\n`);
  };

  try {
    setUpNodeAddress();
    relay = await startApiServerRelay(opts.apiServerUrl);
    for (const [address, auth] of [
      [REAL_NODE_REGISTRY, undefined],
      [REAL_NODE_AUTH_REGISTRY, { username: SIMULATED_REGISTRY_USERNAME, password: SIMULATED_REGISTRY_PASSWORD }],
    ] as const) {
      const [host, port] = address.split(':') as [string, string];
      const dataDir = join(nodeDir, `registry-${port}`);
      registries.push(await startOciRegistry({ binary: tools.registry, dataDir, host, port: Number(port), auth, timeoutMs: opts.timeoutMs }));
    }
    const images = await pushStackImages({ registry: REAL_NODE_REGISTRY, insecure: true, tools });
    containerd = await startContainerd({
      containerd: tools.containerd,
      ctr: tools.ctr,
      shimDir: join(tools.containerdShim, '..'),
      runc: tools.runc,
      cniBinDir: tools.cniBinDir,
      paths,
      pauseImage: images.pause,
      plainHttpRegistries: [REAL_NODE_REGISTRY, REAL_NODE_AUTH_REGISTRY],
      logPath: join(nodeDir, 'containerd.log'),
      timeoutMs: opts.timeoutMs,
    });
    kubelet = await startKubelet({
      kubelet: tools.kubelet,
      nodeName: REAL_NODE_NAME,
      dir: join(nodeDir, 'kubelet'),
      containerdSocket: paths.socket,
      clientCaPath: opts.pki.caCertPath,
      healthzPort: await freePort(),
      apiServerUrl: opts.apiServerUrl,
      apiServerCaPath: opts.apiServerCaPath,
      token: opts.token,
      kubeConfig: opts.kubeConfig,
      logPath: join(nodeDir, 'kubelet.log'),
      timeoutMs: opts.timeoutMs,
    });
    kubeProxy = await startKubeProxy({
      kubeProxy: tools.kubeProxy,
      iptablesBinDir: tools.iptablesBinDir,
      kubeconfigPath: opts.kubeconfigPath,
      nodeName: REAL_NODE_NAME,
      healthzPort: await freePort(),
      metricsPort: await freePort(),
      logPath: join(nodeDir, 'kube-proxy.log'),
      timeoutMs: opts.timeoutMs,
    });
    const commitAgent = await deployCommitAgent({
      kubeConfig: opts.kubeConfig,
      image: images.imageCommitter,
      containerdSocket: paths.socket,
      dir: nodeDir,
      timeoutMs: opts.timeoutMs,
    });
    return {
      nodeName: REAL_NODE_NAME,
      nodeIp: NODE_IP,
      registry: REAL_NODE_REGISTRY,
      authRegistry: REAL_NODE_AUTH_REGISTRY,
      images,
      containerdSocket: paths.socket,
      commitAgent,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A previous owner that died without stopping: refuse if it lives, else undo what it left. */
function cleanUpDeadOwner(tools: RealNodeTools): void {
  if (!existsSync(OWNER_FILE)) return;
  const owner = JSON.parse(readFileSync(OWNER_FILE, 'utf8')) as OwnerRecord;
  if (owner.pid !== process.pid && isProcessAlive(owner.pid)) {
    throw new Error(`a real node already runs on this machine (process ${owner.pid}, directory ${owner.nodeDir}); there can be one per machine`);
  }
  killProcessesOf(tools.kubeProxy);
  killProcessesOf(tools.kubelet);
  killProcessesOf(tools.containerd);
  const failures = undoOnHost(tools, owner.nodeDir, owner.hostState);
  if (failures.length > 0) throw new Error(`could not clean up the real node of dead process ${owner.pid}: ${failures.join('; ')}`);
  rmSync(owner.nodeDir, { recursive: true, force: true });
  rmSync(OWNER_FILE, { force: true });
}

/**
 * What is left on the host once kube-proxy, kubelet and containerd are gone: the shims (which keep
 * containers running), the mounts under the node's directory, its links, kube-proxy's rules, and the
 * recorded host state. Returns what failed.
 */
function undoOnHost(tools: RealNodeTools, nodeDir: string, hostState: HostStateRecord): string[] {
  killProcessesOf(tools.containerdShim);
  return [...unmountUnder(nodeDir), ...tearDownNodeNetwork(), ...removeKubeProxyRules(tools.kubeProxy, tools.iptablesBinDir), ...restoreHostState(hostState)];
}
