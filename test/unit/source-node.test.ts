// Whether a commit Job can run on the source pod's node.
import { describe, expect, it } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import { sourceNodeProblem } from '../../planners/lifecycle/source-node.js';

const nodeWithReady = (status: string, reason?: string, message?: string): V1Node => ({
  metadata: { name: 'node-1' },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) },
    ],
  },
});

describe('sourceNodeProblem', () => {
  it('lets a commit run on a Ready node', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', nodeWithReady('True'))).toBeUndefined();
  });

  it('lets the Job deadline guard when Nodes cannot be read (a namespace-scoped install)', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', 'unreadable')).toBeUndefined();
  });

  it('fails a commit on a node that no longer exists', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', 'absent')).toEqual({
      reason: 'SourceNodeGone',
      message: 'node node-1 of pod bs-0 no longer exists: its container cannot be committed',
    });
  });

  it('fails a commit on a node whose kubelet stopped reporting, with the node controller’s words', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', nodeWithReady('Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'))).toEqual({
      reason: 'SourceNodeNotReady',
      message: 'node node-1 of pod bs-0 is not Ready (Unknown, NodeStatusUnknown: Kubelet stopped posting node status.): a commit Job cannot run there',
    });
  });

  it('fails a commit on a node that never reported a Ready condition', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', { metadata: { name: 'node-1' } })).toMatchObject({
      reason: 'SourceNodeNotReady',
      message: expect.stringContaining('(Unknown, no Ready condition)'),
    });
  });

  it('fails a commit on a NotReady node', () => {
    expect(sourceNodeProblem('bs-0', 'node-1', nodeWithReady('False', 'KubeletNotReady'))).toMatchObject({ reason: 'SourceNodeNotReady' });
  });
});
