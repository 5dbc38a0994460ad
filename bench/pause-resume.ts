// Operator overhead of pause and resume (scenario pause-resume), on a non-pooled sandbox with one replica.
//   pause overhead  = (pause:true written -> Paused observed) - (commit Job created -> its committer's exit 0 observed)
//   resume overhead = (pause:false written -> Succeed with the pod Ready observed) - (new pod created -> Ready observed)
// i.e. the wall time a client sees minus what the node does (the committer's run; the pod's start-up), all
// observed by this client's watches. The stack's simulated committer and kwok do the node's part at once,
// so what remains is the operator: dispatch, workflow steps, status writes, Job and pod creation.
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { BATCH_SANDBOX, GROUP, VERSION } from '../api/v1alpha1/group.js';
import type { PodTemplate } from '../api/v1alpha1/pod-template.js';
import { MERGE_PATCH } from '../kernel/kube-merge-patch.js';
import { isReady } from '../planners/kube/pod-state.js';
import { jobNameOf } from '../planners/lifecycle/commit-job.js';
import { commitJobName, pauseSnapshotName } from '../planners/lifecycle/snapshot-names.js';
import { deleteNamespaceAndWait, percentile, type BenchRun } from './bench-run.js';

export const PAUSE_RESUME_SCENARIO = 'pause-resume';

const crd = { group: GROUP, version: VERSION, plural: BATCH_SANDBOX.plural };
const WAIT_MS = 120_000;

interface SandboxView {
  metadata: { name: string; generation?: number };
  status?: { phase?: string; ready?: number; pauseObservedGeneration?: number };
}

/** First time (performance.now) each named moment was observed. */
export class Moments {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  mark(key: string): void {
    if (this.seen.has(key)) return;
    this.seen.set(key, performance.now());
    this.waiters.get(key)?.();
  }
  has(key: string): boolean {
    return this.seen.has(key);
  }
  at(key: string): number {
    const t = this.seen.get(key);
    if (t === undefined) throw new Error(`never observed: ${key}`);
    return t;
  }
  wait(key: string): Promise<number> {
    if (this.seen.has(key)) return Promise.resolve(this.at(key));
    return Promise.race([
      new Promise<number>((resolve) => this.waiters.set(key, () => resolve(this.at(key)))),
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`not observed within ${WAIT_MS} ms: ${key}`)), WAIT_MS)),
    ]);
  }
}

export async function runPauseResume({ kc, trials, verbose }: BenchRun) {
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const namespace = 'bench-pause-resume';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const samples = { pauseWall: [] as number[], commitJob: [] as number[], resumeWall: [] as number[], podStartup: [] as number[] };
  try {
    for (let trial = 0; trial < trials; trial++) {
      const name = `pr-${trial}`;
      const moments = new Moments();
      const stop = await watchTrial(kc, namespace, name, moments);
      try {
        await createTrialSandbox(objects, namespace, name, {
          spec: { containers: [{ name: 'sandbox', image: 'sandbox:bench', command: ['sleep', 'infinity'] }] },
        });
        await moments.wait('running');

        const pauseStart = await setPause(objects, namespace, name, true);
        const paused = await moments.wait('paused');
        const job = moments.at('committer done') - moments.at('job created');
        samples.pauseWall.push(paused - pauseStart);
        samples.commitJob.push(job);

        const resumeStart = await setPause(objects, namespace, name, false);
        const resumed = await moments.wait('resumed');
        const startup = moments.at('resumed pod ready') - moments.at('resumed pod created');
        samples.resumeWall.push(resumed - resumeStart);
        samples.podStartup.push(startup);
        if (verbose) {
          process.stderr.write(
            `pause-resume trial ${trial}: pause ${Math.round(paused - pauseStart)} ms (job ${Math.round(job)} ms), resume ${Math.round(resumed - resumeStart)} ms (pod ${Math.round(startup)} ms)\n`,
          );
        }
      } finally {
        stop();
      }
      await objects.deleteNamespacedCustomObject({ ...crd, namespace, name });
    }
  } finally {
    await deleteNamespaceAndWait(core, namespace, 300_000);
  }
  const overhead = (walls: number[], parts: number[]) => walls.map((wall, i) => wall - parts[i]!);
  const pause = overhead(samples.pauseWall, samples.commitJob);
  const resume = overhead(samples.resumeWall, samples.podStartup);
  return {
    scenario: PAUSE_RESUME_SCENARIO,
    trials,
    pause_overhead_p50_ms: percentile(pause, 50),
    resume_overhead_p50_ms: percentile(resume, 50),
    pause_overhead_p95_ms: percentile(pause, 95),
    resume_overhead_p95_ms: percentile(resume, 95),
    pause_wall_p50_ms: percentile(samples.pauseWall, 50),
    commit_job_p50_ms: percentile(samples.commitJob, 50),
    resume_wall_p50_ms: percentile(samples.resumeWall, 50),
    pod_startup_p50_ms: percentile(samples.podStartup, 50),
  };
}

/** A one-replica non-pooled BatchSandbox of a trial. */
export async function createTrialSandbox(objects: CustomObjectsApi, namespace: string, name: string, template: PodTemplate): Promise<void> {
  await objects.createNamespacedCustomObject({
    ...crd,
    namespace,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'BatchSandbox', metadata: { name }, spec: { replicas: 1, template } },
  });
}

/** Writes spec.pause as the server does; returns when the write was answered. */
export async function setPause(objects: CustomObjectsApi, namespace: string, name: string, pause: boolean): Promise<number> {
  await objects.patchNamespacedCustomObject({ ...crd, namespace, name, body: { spec: { pause } } }, MERGE_PATCH);
  return performance.now();
}

/**
 * Watches the trial's sandbox, commit Job and pods, marking: running, paused, resumed (phases with the
 * intent acknowledged), job created, committer done (its container exited 0), paused pod gone, resumed pod created / ready (a pod UID
 * first seen after the sandbox was Paused).
 */
export async function watchTrial(kc: KubeConfig, namespace: string, name: string, moments: Moments): Promise<() => void> {
  const jobName = commitJobName(pauseSnapshotName(name, 0));
  const pausedPods = new Set<string>();
  const settled = (bs: SandboxView, phase: string) => bs.status?.phase === phase && bs.status.pauseObservedGeneration === bs.metadata.generation;
  const watches = await Promise.all([
    new Watch(kc).watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${BATCH_SANDBOX.plural}`,
      {},
      (_type, bs: SandboxView) => {
        if (bs.metadata.name !== name) return;
        if (bs.status?.phase === 'Succeed' && bs.status.ready === 1) moments.mark('running');
        if (settled(bs, 'Paused')) moments.mark('paused');
        if (moments.has('paused') && bs.status?.phase === 'Succeed' && bs.status.ready === 1) moments.mark('resumed');
      },
      noop,
    ),
    new Watch(kc).watch(
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      {},
      (_type, job: V1Job) => {
        if (job.metadata?.name !== jobName) return;
        moments.mark('job created');
      },
      noop,
    ),
    new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (type, pod: V1Pod) => {
        if (jobNameOf(pod) === jobName && pod.status?.containerStatuses?.some((c) => c.state?.terminated?.exitCode === 0)) moments.mark('committer done');
        if (pod.metadata?.name !== `${name}-0`) return;
        if (type === 'DELETED') {
          if (moments.has('paused') && pausedPods.has(pod.metadata.uid ?? '')) moments.mark('paused pod gone');
          return;
        }
        // The paused pod may still be terminating after Paused (a real node): the resumed one is a new UID.
        if (!moments.has('paused')) pausedPods.add(pod.metadata.uid ?? '');
        if (!moments.has('paused') || pausedPods.has(pod.metadata.uid ?? '')) return;
        moments.mark('resumed pod created');
        if (isReady(pod)) moments.mark('resumed pod ready');
      },
      noop,
    ),
  ]);
  return () => watches.forEach((w) => w.abort());
}

function noop(): void {}
