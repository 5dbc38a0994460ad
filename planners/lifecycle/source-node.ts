// Whether a commit can run on the source pod's node. The commit Job is pinned there (nodeName): on a node
// that no longer exists, or whose kubelet no longer answers, its pod never starts and the pause would sit
// in Pausing until the Job's deadline (10 min) and then blame the clock. Such a pause fails at once and
// says which node and why; the sandbox's data stays where it is.
import type { V1Node } from '@kubernetes/client-node';

/** The source node as read: the Node, `absent` when it does not exist, `unreadable` when reading it is not allowed. */
export type SourceNodeObservation = V1Node | 'absent' | 'unreadable';

export interface SourceNodeProblem {
  reason: 'SourceNodeGone' | 'SourceNodeNotReady';
  message: string;
}

export function sourceNodeProblem(podName: string, nodeName: string, node: SourceNodeObservation): SourceNodeProblem | undefined {
  // Without the right to read Nodes (a namespace-scoped install), the Job's own deadline is the guard.
  if (node === 'unreadable') return undefined;
  if (node === 'absent') {
    return { reason: 'SourceNodeGone', message: `node ${nodeName} of pod ${podName} no longer exists: its container cannot be committed` };
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const why = [ready?.reason, ready?.message].filter(Boolean).join(': ') || 'no Ready condition';
  return {
    reason: 'SourceNodeNotReady',
    message: `node ${nodeName} of pod ${podName} is not Ready (${ready?.status ?? 'Unknown'}, ${why}): a commit Job cannot run there`,
  };
}
