// The node commit agent on the real node (ADR 0007), through the operator: it answers only the operator
// (its token), a push it cannot make ends as PauseFailed with its own words while the sandbox keeps
// running unfrozen and no commit Job is created, a full disk is such a failure, and a sandbox deleted while
// its push hangs leaves no tag.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { podName } from '../../planners/kube/pod-state.js';
import { commitAgentUrlOn, deployCommitAgent, type StackCommitAgent } from '../../stack/real-node/commit-agent.js';
import { waitUntil } from '../../stack/wait-until.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { LifecycleNamespace } from '../support/lifecycle-namespace.js';
import { poolOperatorSuite } from '../support/pool-operator-suite.js';
import { execInPod, realNodeTemplate } from '../support/real-node-pods.js';
import { requireRealNode, testKubeConfig, testStackInfo } from '../support/stack.js';
import { stalledRegistry } from '../support/stalled-registry.js';

const realNode = requireRealNode();
const WAIT_MS = 120_000;
const agentSettings = {
  committerImage: realNode.images.imageCommitter,
  containerdSocketPath: realNode.containerdSocket,
  registryInsecure: true,
  timeoutSeconds: 120,
  commitAgent: realNode.commitAgent,
};
const pauseFailed = (bs: BatchSandbox) => bs.status?.conditions?.find((c) => c.type === 'PauseFailed' && c.status === 'True');

function sandbox(name: string, namespace: string): BatchSandbox {
  return aBatchSandbox(name, namespace)
    .template(realNodeTemplate(realNode, [{ name: 'sandbox', command: 'sleep 3600' }]))
    .build();
}

const agentUrl = (): Promise<string> => commitAgentUrlOn(testKubeConfig(), realNode.commitAgent, realNode.nodeName);

describe('the commit agent itself', () => {
  it('refuses a commit request without its token, and with a wrong one', async () => {
    const url = await agentUrl();
    const body = JSON.stringify({ key: 'k.1', pod: 'p', namespace: 'n', targets: [{ container: 'c', imageUri: `${realNode.registry}/x:y` }] });
    const anonymous = await fetch(`${url}/v1/commits`, { method: 'POST', body });
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${url}/v1/commits`, { method: 'POST', body, headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('refuses a malformed request with the field named', async () => {
    const res = await fetch(`${await agentUrl()}/v1/commits`, {
      method: 'POST',
      body: JSON.stringify({ key: 'k/1', pod: 'p', namespace: 'n', targets: [] }),
      headers: { authorization: `Bearer ${realNode.commitAgent.token}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^invalid request body: key: /);
  });
});

describe('a registry that wants credentials the agent does not have', () => {
  const suite = poolOperatorSuite('agent-auth', {
    batchSandboxController: true,
    snapshot: { ...agentSettings, registry: `${realNode.authRegistry}/snapshots` },
  });
  const life = new LifecycleNamespace(suite.ns);

  it("fails the pause at once with the agent's message; the sandbox keeps running unfrozen; no commit Job", async () => {
    await suite.ns.createSandbox(sandbox('auth', suite.ns.namespace));
    await life.waitForSandbox('auth', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    await life.setPause('auth', true);
    const failed = await life.waitForSandbox('auth', 'PauseFailed', (bs) => pauseFailed(bs) !== undefined, WAIT_MS);
    expect(pauseFailed(failed)!.reason).toBe('SnapshotFailed');
    expect(pauseFailed(failed)!.message).toMatch(/refused: 401 unauthorized/i);
    expect(failed.status?.phase).toBe('Succeed');
    const [pod] = await life.podsOf(failed);
    expect((await execInPod(suite.ns.namespace, podName(pod!), 'sandbox', 'echo alive')).trim()).toBe('alive');
    // The unpause Job (thawing whatever a killed commit might have left) is the only Job.
    expect((await life.jobsOf('auth-pause')).map((j) => j.metadata!.name)).toEqual(['auth-pause-unpause']);
  }, 300_000);
});

describe('an agent whose disk is full', () => {
  // An agent of its own whose /tmp (where it writes layers) is a 4 MiB tmpfs: a real ENOSPC.
  const smallDisk = join(testStackInfo().dataDir, 'real-node', 'agent-small-disk');
  let agent: StackCommitAgent;
  beforeAll(async () => {
    mkdirSync(smallDisk, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', smallDisk]);
    agent = await deployCommitAgent({
      kubeConfig: testKubeConfig(),
      image: realNode.images.imageCommitter,
      containerdSocket: realNode.containerdSocket,
      dir: testStackInfo().dataDir,
      timeoutMs: 60_000,
      namespace: 'agent-small-disk',
      scratchDir: smallDisk,
    });
  }, 90_000);
  afterAll(async () => {
    const core = testKubeConfig().makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name: 'agent-small-disk' });
    await waitUntil(async () => (await core.listNamespacedPod({ namespace: 'agent-small-disk' })).items.length === 0, {
      what: 'the small-disk agent gone',
      timeoutMs: 60_000,
    });
    execFileSync('umount', [smallDisk]);
  }, 90_000);
  const suite = poolOperatorSuite('agent-full-disk', {
    batchSandboxController: true,
    snapshot: {
      ...agentSettings,
      registry: `${realNode.registry}/snapshots`,
      get commitAgent() {
        return agent;
      },
    },
  });
  const life = new LifecycleNamespace(suite.ns);

  it('fails the pause at once naming the full disk (no retry can help); the sandbox keeps running unfrozen', async () => {
    await suite.ns.createSandbox(sandbox('full', suite.ns.namespace));
    const running = await life.waitForSandbox('full', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    const [pod] = await life.podsOf(running);
    await execInPod(suite.ns.namespace, podName(pod!), 'sandbox', 'head -c 16777216 /dev/urandom > /big.bin');
    await life.setPause('full', true);
    const failed = await life.waitForSandbox('full', 'PauseFailed', (bs) => pauseFailed(bs) !== undefined, WAIT_MS);
    expect(pauseFailed(failed)!.message).toMatch(/ENOSPC|no space left on device/);
    expect(failed.status?.phase).toBe('Succeed');
    expect((await execInPod(suite.ns.namespace, podName(pod!), 'sandbox', 'echo alive')).trim()).toBe('alive');
    expect((await life.jobsOf('full-pause')).map((j) => j.metadata!.name)).toEqual(['full-pause-unpause']);
  }, 300_000);
});

describe('a sandbox deleted while the agent pushes', () => {
  const registry = stalledRegistry('agent-stalled-registry');
  const suite = poolOperatorSuite('agent-deleted', {
    batchSandboxController: true,
    snapshot: {
      ...agentSettings,
      get registry() {
        return `${registry.address}/snapshots`;
      },
    },
  });
  const { ns } = suite;
  const life = new LifecycleNamespace(ns);

  it('stops the commit at the agent: no Job, no snapshot, and no tag in the registry once it answers again', async () => {
    await ns.createSandbox(sandbox('deleted', ns.namespace));
    const running = await life.waitForSandbox('deleted', 'ready', (bs) => bs.status?.phase === 'Succeed' && bs.status.ready === 1, WAIT_MS);
    // A registry that accepts connections and never answers: the push cannot finish.
    registry.stall();
    await life.setPause('deleted', true);
    const committing = await life.waitForSnapshot('deleted-pause', 'Committing', (s) => s?.status?.phase === 'Committing');
    const commitUrl = `${await agentUrl()}/v1/commits/${committing!.metadata.uid}.1`;
    const known = async () => (await fetch(commitUrl, { headers: { authorization: `Bearer ${realNode.commitAgent.token}` } })).status;
    expect(await known()).toBe(200);
    await ns.deleteSandbox('deleted');
    await ns.waitForSandboxGone('deleted');
    await life.waitForSnapshot('deleted-pause', 'garbage-collected', (s) => s === undefined);
    // The cancelled activity tells the agent to stop (on its next heartbeat), and the agent forgets the
    // commit; only then may the registry answer again.
    await waitUntil(async () => (await known()) === 404, { what: 'the agent stopped the commit', timeoutMs: 60_000, intervalMs: 500 });
    registry.resume();
    // The stalled upload now goes on; a stopped commit writes no tag after it.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await registry.lookUp('snapshots/deleted-sandbox', `snap-gen${running.metadata.generation! + 1}`)).toBe(404);
    expect((await life.jobsOf('deleted-pause')).map((j) => j.metadata!.name)).not.toContain('deleted-pause-commit');
  }, 300_000);
});
