// The node commit agent on the stack's real node (ADR 0007): the project's committer image run as
// `image-committer serve` by a DaemonSet, as the chart deploys it, with a random token in a Secret. The
// operator the stack runs is given the token's file; the pod is Ready before the stack reports started.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1DaemonSet } from '@kubernetes/client-node';
import { COMMIT_AGENT_COMPONENT, COMMIT_AGENT_COMPONENT_LABEL, COMMIT_AGENT_PORT, COMMIT_AGENT_SELECTOR } from '../../api/commit-agent.js';
import { COMMITTER_IN_IMAGE } from '../../images/committer-image.js';
import { commitAgentUrl } from '../../planners/lifecycle/commit-agent-endpoint.js';
import { isReady } from '../../planners/kube/pod-state.js';
import { waitUntil } from '../wait-until.js';
import { REAL_NODE_LABEL } from './kubelet.js';

const COMMIT_AGENT_NAMESPACE = 'opensandbox-system';
const NAME = 'opensandbox-commit-agent';
const TOKEN_MOUNT = '/var/run/opensandbox/commit-agent';

export interface StackCommitAgent {
  namespace: string;
  selector: string;
  port: number;
  token: string;
  /** The token in a file on the host, for the operator's --commit-agent-token-file. */
  tokenFile: string;
}

interface CommitAgentPlacement {
  namespace: string;
  image: string;
  containerdSocket: string;
  /** Host directory of the agent's journal of frozen containers. */
  stateDir: string;
  /** Host directory as the agent's /tmp (where layers are written); default an emptyDir. */
  scratchDir?: string;
}

function commitAgentDaemonSet(placement: CommitAgentPlacement): V1DaemonSet {
  const { namespace, image, containerdSocket, stateDir, scratchDir } = placement;
  const labels = { [COMMIT_AGENT_COMPONENT_LABEL]: COMMIT_AGENT_COMPONENT };
  return {
    metadata: { name: NAME, namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [REAL_NODE_LABEL]: 'true' },
          tolerations: [{ key: REAL_NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
          // Time to stop running commits and thaw their containers.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'agent',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: [COMMITTER_IN_IMAGE],
              args: ['serve'],
              env: [
                { name: 'CONTAINERD_SOCKET', value: '/run/containerd/containerd.sock' },
                { name: 'COMMIT_AGENT_TOKEN_FILE', value: `${TOKEN_MOUNT}/token` },
                { name: 'COMMIT_AGENT_STATE_DIR', value: '/var/lib/opensandbox-commit-agent' },
              ],
              ports: [{ name: 'http', containerPort: COMMIT_AGENT_PORT }],
              readinessProbe: { httpGet: { path: '/healthz', port: COMMIT_AGENT_PORT }, periodSeconds: 1 },
              securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'containerd-sock', mountPath: '/run/containerd/containerd.sock' },
                { name: 'state', mountPath: '/var/lib/opensandbox-commit-agent' },
                { name: 'token', mountPath: TOKEN_MOUNT, readOnly: true },
                { name: 'scratch', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'containerd-sock', hostPath: { path: containerdSocket, type: 'Socket' } },
            { name: 'state', hostPath: { path: stateDir, type: 'DirectoryOrCreate' } },
            { name: 'token', secret: { secretName: NAME } },
            scratchDir ? { name: 'scratch', hostPath: { path: scratchDir, type: 'Directory' } } : { name: 'scratch', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** Deploys an agent (the stack's in COMMIT_AGENT_NAMESPACE; a test may add one of its own) and waits for it Ready. */
export async function deployCommitAgent(opts: {
  kubeConfig: KubeConfig;
  image: string;
  containerdSocket: string;
  /** Where its token file and (by default) its state directory go on the host. */
  dir: string;
  timeoutMs: number;
  namespace?: string;
  scratchDir?: string;
}): Promise<StackCommitAgent> {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const apps = opts.kubeConfig.makeApiClient(AppsV1Api);
  const namespace = opts.namespace ?? COMMIT_AGENT_NAMESPACE;
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(opts.dir, `${namespace}-token`);
  writeFileSync(tokenFile, token, { mode: 0o600 });
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: NAME }, stringData: { token } } });
  const placement = { namespace, image: opts.image, containerdSocket: opts.containerdSocket, stateDir: join(opts.dir, `${namespace}-state`) };
  await apps.createNamespacedDaemonSet({ namespace, body: commitAgentDaemonSet(opts.scratchDir ? { ...placement, scratchDir: opts.scratchDir } : placement) });
  await waitUntil(async () => (await core.listNamespacedPod({ namespace, labelSelector: COMMIT_AGENT_SELECTOR })).items.some(isReady), {
    what: `the commit agent in ${namespace} Ready on the real node`,
    timeoutMs: opts.timeoutMs,
    intervalMs: 200,
  });
  return { namespace, selector: COMMIT_AGENT_SELECTOR, port: COMMIT_AGENT_PORT, token, tokenFile };
}

/** The URL of a deployed agent's Ready pod on `nodeName` (commitAgentUrl over its pods), for callers without the operator. */
export async function commitAgentUrlOn(kubeConfig: KubeConfig, agent: StackCommitAgent, nodeName: string): Promise<string> {
  const { items } = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: agent.namespace, labelSelector: agent.selector });
  const url = commitAgentUrl(items, nodeName, agent.port);
  if (!url) throw new Error(`no commit agent of ${agent.namespace} Ready on node ${nodeName}`);
  return url;
}
