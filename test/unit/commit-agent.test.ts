// The node agent's commits by key: one commit per key however often it is asked, waiters answered when
// it ends, a stop aborts it and forgets it, failures classed permanent or not as the commit Job's exit code.
import { describe, expect, it } from '@jest/globals';
import type { CommitRequest, CommittedContainer } from '../../api/commit-agent.js';
import { CommitAgent } from '../../image-committer/commit-agent.js';
import { ContainerNotFound } from '../../image-committer/pod-container.js';
import { commitAgentUrl } from '../../planners/lifecycle/commit-agent-endpoint.js';
import { aPod } from '../builders/pod.js';

const request = (key: string): CommitRequest => ({
  key,
  pod: 'sb-0',
  namespace: 'team',
  targets: [{ container: 'main', imageUri: 'r.local/sb-main:snap-gen2' }],
});
const committed: CommittedContainer = {
  name: 'main',
  image: 'r.local/sb-main:snap-gen2',
  digest: 'sha256:aa',
  frozenMs: 90,
  commitPushMs: 200,
  layerBytes: 1000,
};

/** A commit the test ends by hand. */
function manualRun() {
  const runs: { request: CommitRequest; signal: AbortSignal; succeed(): void; fail(err: Error): void }[] = [];
  const run = (req: CommitRequest, signal: AbortSignal) =>
    new Promise<CommittedContainer[]>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error));
      runs.push({ request: req, signal, succeed: () => resolve([committed]), fail: reject });
    });
  return { runs, run };
}

describe('CommitAgent', () => {
  it('starts one commit per key: asking again attaches to it', async () => {
    const { runs, run } = manualRun();
    const agent = new CommitAgent(run);
    expect(agent.start(request('u1.1'))).toEqual({ key: 'u1.1', state: 'running' });
    expect(agent.start(request('u1.1'))).toEqual({ key: 'u1.1', state: 'running' });
    expect(runs).toHaveLength(1);
    agent.start(request('u1.2'));
    expect(runs).toHaveLength(2);
  });

  it('answers a waiter when the commit ends, and a late caller with the outcome', async () => {
    const { runs, run } = manualRun();
    const agent = new CommitAgent(run);
    agent.start(request('u1.1'));
    const waiting = agent.wait('u1.1', 60_000);
    runs[0]!.succeed();
    expect(await waiting).toEqual({ key: 'u1.1', state: 'succeeded', containers: [committed] });
    expect(agent.start(request('u1.1'))).toEqual({ key: 'u1.1', state: 'succeeded', containers: [committed] });
    expect(runs).toHaveLength(1);
  });

  it('answers a wait that runs out with running, and an unknown key with undefined', async () => {
    const agent = new CommitAgent(manualRun().run);
    agent.start(request('u1.1'));
    expect(await agent.wait('u1.1', 10)).toEqual({ key: 'u1.1', state: 'running' });
    expect(await agent.wait('other', 10)).toBeUndefined();
  });

  it('classes failures as the commit Job exit code does: a container gone is permanent, a network error is not', async () => {
    const { runs, run } = manualRun();
    const agent = new CommitAgent(run);
    agent.start(request('gone'));
    agent.start(request('flaky'));
    runs[0]!.fail(new ContainerNotFound('container main of pod team/sb-0 is not running on this node'));
    runs[1]!.fail(new Error('connect ECONNREFUSED'));
    expect(await agent.wait('gone', 1000)).toEqual({
      key: 'gone',
      state: 'failed',
      permanent: true,
      message: 'container main of pod team/sb-0 is not running on this node',
    });
    expect(await agent.wait('flaky', 1000)).toEqual({ key: 'flaky', state: 'failed', permanent: false, message: 'connect ECONNREFUSED' });
  });

  it('stops a running commit through its signal, waits for it to end, and forgets the key', async () => {
    const { runs, run } = manualRun();
    const agent = new CommitAgent(run);
    agent.start(request('u1.1'));
    await agent.stop('u1.1');
    expect(runs[0]!.signal.aborted).toBe(true);
    expect(await agent.wait('u1.1', 0)).toBeUndefined();
    expect(agent.running()).toBe(0);
  });

  it('forgets ended commits after ten minutes', async () => {
    const { runs, run } = manualRun();
    let now = 0;
    const agent = new CommitAgent(run, () => now);
    agent.start(request('old'));
    runs[0]!.succeed();
    await agent.wait('old', 1000);
    now = 10 * 60_000 + 1;
    agent.start(request('new'));
    expect(await agent.wait('old', 0)).toBeUndefined();
    expect(await agent.wait('new', 0)).toEqual({ key: 'new', state: 'running' });
  });
});

describe('commitAgentUrl', () => {
  const agentPod = (name: string, node: string, ip: string, ready = true) => {
    const pod = aPod(name, 'agents').onNode(node).ready(ip);
    return (ready ? pod : pod.phase('Pending')).build();
  };

  it('is the Ready agent pod on the source node, at its pod IP', () => {
    const pods = [agentPod('a-1', 'node-1', '10.0.0.1'), agentPod('a-2', 'node-2', '10.0.0.2')];
    expect(commitAgentUrl(pods, 'node-2', 8474)).toBe('http://10.0.0.2:8474');
  });

  it('is none when the node has no agent, or only one not Ready or terminating', () => {
    const terminating = agentPod('a-3', 'node-3', '10.0.0.3');
    terminating.metadata!.deletionTimestamp = new Date();
    const pods = [agentPod('a-1', 'node-1', '10.0.0.1', false), terminating];
    expect(commitAgentUrl(pods, 'node-1', 8474)).toBeUndefined();
    expect(commitAgentUrl(pods, 'node-3', 8474)).toBeUndefined();
    expect(commitAgentUrl(pods, 'node-9', 8474)).toBeUndefined();
  });
});
