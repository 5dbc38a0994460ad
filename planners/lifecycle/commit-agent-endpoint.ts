// Which node agent commits a snapshot (ADR 0007): the Ready, not terminating agent pod on the source node,
// at its pod IP. None (no DaemonSet, its pod not Ready yet, the node excluded from it) means the commit
// Job runs instead, as upstream does it.
import type { V1Pod } from '@kubernetes/client-node';
import { isReady } from '../kube/pod-state.js';

export function commitAgentUrl(agentPods: readonly V1Pod[], nodeName: string, port: number): string | undefined {
  const pod = agentPods.find((p) => p.spec?.nodeName === nodeName && !p.metadata?.deletionTimestamp && p.status?.podIP && isReady(p));
  return pod ? `http://${pod.status!.podIP}:${port}` : undefined;
}
