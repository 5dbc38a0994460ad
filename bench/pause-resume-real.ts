// Pause and resume of real containers on the stack's real node (scenario pause-resume-real), per data size
// written in the container (1 MB, 100 MB of random bytes), next to the raw floor measured on the same
// node in the same run:
//   pause_wall     pause:true written -> Paused observed (the operator, the node's commit agent)
//   frozen         how long the committer kept the container frozen (the agent's report of the commit)
//   commit_push    the committer's freeze -> pushed manifest (the agent's report of the commit)
//   paused_pod_terminating  Paused observed -> the paused pod gone (its graceful termination on the node)
//   resume_wall    pause:false written (once the paused pod is gone) -> Succeed with the pod Ready observed
//   pod_start      resumed pod created -> Ready observed
//   raw_commit_push  the committer run directly on the node as a fresh process, without the operator or a Job
//   raw_agent_commit_push  the node's commit agent asked directly, without the operator (request -> result)
//   raw_pod_start    a pod created directly from such a snapshot image -> Ready observed
// Overheads: pause_wall - raw_commit_push (the floor: the committer run directly), pause_wall -
// raw_agent_commit_push (agent_pause_overhead: the operator over the same warm agent), resume_wall - raw_pod_start.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { commitAgentClient, type CommitAgentClient } from '../activities/commit-agent-client.js';
import type { CommittedContainer } from '../api/commit-agent.js';
import { BATCH_SANDBOX, GROUP, SANDBOX_SNAPSHOT, VERSION } from '../api/v1alpha1/group.js';
import type { SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import { bundleCommitter } from '../images/committer-image.js';
import { pauseSnapshotName } from '../planners/lifecycle/snapshot-names.js';
import { isReady } from '../planners/kube/pod-state.js';
import { commitAgentUrlOn } from '../stack/real-node/commit-agent.js';
import { execInPod, realNodeTemplate } from '../stack/real-node/real-node-pods.js';
import { realNodeTools } from '../stack/toolchain.js';
import { waitUntil } from '../stack/wait-until.js';
import { deleteNamespaceAndWait, percentile, type BenchRun } from './bench-run.js';
import { createTrialSandbox, Moments, setPause, watchTrial } from './pause-resume.js';

export const PAUSE_RESUME_REAL_SCENARIO = 'pause-resume-real';
const SIZES_MB = [1, 100];
const crd = { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural };

export async function runPauseResumeReal(run: BenchRun): Promise<object[]> {
  const { kc, trials, verbose, realNode, kubeconfigPath } = run;
  if (!realNode) throw new Error(`${PAUSE_RESUME_REAL_SCENARIO} needs the stack's real node`);
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const tools = realNodeTools();
  const scratch = mkdtempSync(join(tmpdir(), 'bench-committer-'));
  const committer = join(scratch, 'image-committer.cjs');
  writeFileSync(committer, await bundleCommitter());
  const namespace = 'bench-pause-resume-real';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const template = realNodeTemplate(realNode.images.busybox, [{ name: 'sandbox', command: 'sleep 3600' }]);
  const exec = (pod: string, script: string) => execInPod(kubeconfigPath, namespace, pod, 'sandbox', script);
  const writeData = (pod: string, mb: number) => exec(pod, `mkdir -p /data && head -c ${mb * 1024 * 1024} /dev/urandom > /data/blob`);

  const createPod = async (name: string, image: string): Promise<number> => {
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name }, spec: { ...template.spec, containers: [{ ...template.spec.containers[0]!, image }] } },
    });
    return performance.now();
  };
  const podReady = async (name: string): Promise<number> => {
    let at = 0;
    await waitUntil(
      async () => {
        if (!isReady(await core.readNamespacedPod({ namespace, name }))) return false;
        at = performance.now();
        return true;
      },
      { what: `pod ${name} Ready`, timeoutMs: 120_000, intervalMs: 20 },
    );
    return at;
  };
  const rawCommit = (pod: string, target: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      const child = spawn(tools.nodeRuntime, [committer, pod, namespace, `sandbox:${target}`], {
        env: {
          CONTAINERD_SOCKET: realNode.containerdSocket,
          CTR: tools.ctr,
          CRICTL: tools.crictl,
          SNAPSHOT_REGISTRY_INSECURE: 'true',
          TERMINATION_LOG: join(scratch, 'termination'),
        },
        stdio: 'ignore',
      });
      child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`raw committer exited ${code}`))));
    });

  const agent = commitAgentClient(await commitAgentUrlOn(kc, realNode.commitAgent, realNode.nodeName), realNode.commitAgent.token);
  const rawAgentCommit = async (pod: string, target: string): Promise<number> => {
    const start = performance.now();
    const request = { key: `bench-${pod}`, pod, namespace, targets: [{ container: 'sandbox', imageUri: target }], registryInsecure: true };
    const state = await agent.untilEnded(request, { waitMs: 20_000 });
    if (state.state !== 'succeeded') throw new Error(`raw agent commit of ${pod}: ${JSON.stringify(state)}`);
    return performance.now() - start;
  };

  const lines: object[] = [];
  try {
    for (const mb of SIZES_MB) {
      const s = {
        terminating: [] as number[],
        pauseWall: [] as number[],
        frozen: [] as number[],
        commitPush: [] as number[],
        resumeWall: [] as number[],
        podStart: [] as number[],
        rawCommit: [] as number[],
        rawAgentCommit: [] as number[],
        rawPodStart: [] as number[],
      };
      for (let trial = 0; trial < trials; trial++) {
        const name = `prr-${mb}-${trial}`;
        // The raw floor: the committer on the node, then a pod from what it pushed.
        const raw = `${name}-raw`;
        await createPod(raw, realNode.images.busybox);
        await podReady(raw);
        await writeData(raw, mb);
        s.rawCommit.push(await rawCommit(raw, `${realNode.registry}/bench-raw/${raw}:snap`));
        s.rawAgentCommit.push(await rawAgentCommit(raw, `${realNode.registry}/bench-raw/${raw}:agent`));
        const restoredRaw = `${raw}-restored`;
        const created = await createPod(restoredRaw, `${realNode.registry}/bench-raw/${raw}:snap`);
        s.rawPodStart.push((await podReady(restoredRaw)) - created);

        // The same through the operator.
        const moments = new Moments();
        const stop = await watchTrial(kc, namespace, name, moments);
        try {
          await createTrialSandbox(objects, namespace, name, template);
          await moments.wait('running');
          await writeData(`${name}-0`, mb);
          const pauseStart = await setPause(objects, namespace, name, true);
          const paused = await moments.wait('paused');
          s.pauseWall.push(paused - pauseStart);
          const report = await commitReport(agent, objects, namespace, pauseSnapshotName(name, 0));
          s.frozen.push(report.frozenMs);
          s.commitPush.push(report.commitPushMs);
          // A resume right after Paused waits for the paused pod's name: measured apart, not as resume time.
          s.terminating.push((await moments.wait('paused pod gone')) - paused);
          const resumeStart = await setPause(objects, namespace, name, false);
          s.resumeWall.push((await moments.wait('resumed')) - resumeStart);
          s.podStart.push(moments.at('resumed pod ready') - moments.at('resumed pod created'));
        } finally {
          stop();
        }
        if (verbose) {
          process.stderr.write(
            `${PAUSE_RESUME_REAL_SCENARIO} ${mb} MB trial ${trial}: pause ${Math.round(s.pauseWall.at(-1)!)} ms (frozen ${s.frozen.at(-1)}, commit+push ${s.commitPush.at(-1)}; raw ${Math.round(s.rawCommit.at(-1)!)}, raw agent ${Math.round(s.rawAgentCommit.at(-1)!)}), paused pod gone after ${Math.round(s.terminating.at(-1)!)} ms, resume ${Math.round(s.resumeWall.at(-1)!)} ms (pod ${Math.round(s.podStart.at(-1)!)}; raw ${Math.round(s.rawPodStart.at(-1)!)})\n`,
          );
        }
        await objects.deleteNamespacedCustomObject({ ...crd, namespace, name });
        await Promise.all([raw, restoredRaw].map((pod) => core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 })));
      }
      const overhead = (walls: number[], floors: number[]) => walls.map((wall, i) => wall - floors[i]!);
      const pauseOverhead = overhead(s.pauseWall, s.rawCommit);
      const agentPauseOverhead = overhead(s.pauseWall, s.rawAgentCommit);
      const resumeOverhead = overhead(s.resumeWall, s.rawPodStart);
      lines.push({
        scenario: PAUSE_RESUME_REAL_SCENARIO,
        mb,
        trials,
        pause_wall_p50_ms: percentile(s.pauseWall, 50),
        frozen_p50_ms: percentile(s.frozen, 50),
        commit_push_p50_ms: percentile(s.commitPush, 50),
        paused_pod_terminating_p50_ms: percentile(s.terminating, 50),
        resume_wall_p50_ms: percentile(s.resumeWall, 50),
        pod_start_p50_ms: percentile(s.podStart, 50),
        raw_commit_push_p50_ms: percentile(s.rawCommit, 50),
        raw_agent_commit_push_p50_ms: percentile(s.rawAgentCommit, 50),
        raw_pod_start_p50_ms: percentile(s.rawPodStart, 50),
        pause_overhead_p50_ms: percentile(pauseOverhead, 50),
        agent_pause_overhead_p50_ms: percentile(agentPauseOverhead, 50),
        resume_overhead_p50_ms: percentile(resumeOverhead, 50),
        pause_wall_p95_ms: percentile(s.pauseWall, 95),
        frozen_p95_ms: percentile(s.frozen, 95),
        resume_wall_p95_ms: percentile(s.resumeWall, 95),
        pause_overhead_p95_ms: percentile(pauseOverhead, 95),
        resume_overhead_p95_ms: percentile(resumeOverhead, 95),
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await deleteNamespaceAndWait(core, namespace, 300_000);
  }
  return lines;
}

/** The agent's report of the snapshot's commit (its first attempt; one container), which it keeps for ten minutes. */
async function commitReport(agent: CommitAgentClient, objects: CustomObjectsApi, namespace: string, snapshot: string): Promise<CommittedContainer> {
  const { metadata } = (await objects.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: SANDBOX_SNAPSHOT.plural,
    name: snapshot,
  })) as SandboxSnapshot;
  const state = await agent.wait(`${metadata.uid}.1`, 0);
  if (state?.state !== 'succeeded') throw new Error(`the agent reports no successful commit of snapshot ${snapshot}: ${JSON.stringify(state)}`);
  return state.containers[0]!;
}
