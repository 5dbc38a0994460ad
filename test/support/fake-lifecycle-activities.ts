// In-memory stand-ins for the pause, resume and snapshot activities, for workflow tests on the real
// Temporal server: every call is recorded, each activity has a happy-path default a test can replace,
// and commit Jobs are modelled with a watcher that signals the committing run when one changes.
// One FakeLifecycleCluster per test, told apart by the namespace of the objects it serves, so workflows
// of different tests on the same worker never share state.
import { ApplicationFailure } from '@temporalio/common';
import { API_REJECTED } from '../../api/activity-failure-types.js';
import type { CommitJobState, CommitPlanStep, LifecycleActivities } from '../../activities/lifecycle-activity-types.js';
import { OBJECT_GONE } from '../../api/activity-failure-types.js';
import type { SandboxRef, SnapshotRef } from '../../api/object-refs.js';
import type { PauseSource } from '../../planners/lifecycle/pause-source.js';
import type { ResumeProgress } from '../../planners/lifecycle/resume-progress.js';
import { pauseSnapshotName } from '../../planners/lifecycle/snapshot-names.js';

export type ActivityName = keyof LifecycleActivities;

export interface RecordedCall {
  activity: ActivityName;
  args: unknown[];
  /** Date.now() when the call arrived. */
  at: number;
}

/** How a created commit Job ends: a state the watcher reports shortly after creation, or `undefined` (it keeps running). */
export type JobScript = (snapshot: SnapshotRef, creation: number) => CommitJobState | undefined;

export interface FakeLifecycleOptions {
  /** Source pods markPausing finds (default: one). */
  replicas?: number;
  /** activeDeadlineSeconds planCommit and preparePauseSnapshot report (default 600). */
  jobDeadlineSeconds?: number;
  /** Default: every Job succeeds. */
  job?: JobScript;
  /** Replaces activities' defaults (the call is still recorded). */
  overrides?: Partial<LifecycleActivities>;
}

/** The non-retryable failure real activities throw when their object is gone. */
export function objectGone(what: string): ApplicationFailure {
  return ApplicationFailure.create({ type: OBJECT_GONE, message: `${what} is gone`, nonRetryable: true });
}

/** The non-retryable failure real activities throw when the apiserver refuses a request for good. */
export function apiRejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: API_REJECTED, message, nonRetryable: true });
}

/** The plan preparePauseSnapshot and planCommit report by default: one container, Job deadline as given. */
export function plannedCommit(snapshot: SnapshotRef, deadlineSeconds = 600): CommitPlanStep {
  return {
    state: 'planned',
    target: {
      podName: `${snapshot.name}-source`,
      nodeName: 'node-0',
      containers: [{ containerName: 'main', imageUri: `registry.test/${snapshot.name}:snap` }],
    },
    deadlineSeconds,
  };
}

export class FakeLifecycleCluster {
  readonly calls: RecordedCall[] = [];
  /** Commit Jobs by snapshot name, as checkCommitJob reports them. */
  readonly jobs = new Map<string, CommitJobState>();
  /** What inspectResumedPods reports. */
  pods: ResumeProgress = { state: 'waiting', ready: 0, missing: 0 };
  private readonly creations = new Map<string, number>();
  readonly activities: LifecycleActivities;

  constructor(
    /** Signals `commitJobChanged` to the run committing the snapshot (what the Job watcher does). */
    private readonly signalJobChanged: (snapshot: SnapshotRef) => Promise<void>,
    private readonly options: FakeLifecycleOptions = {},
  ) {
    const defaults = this.defaults();
    const overrides = options.overrides ?? {};
    this.activities = Object.fromEntries(
      (Object.keys(defaults) as ActivityName[]).map((activity) => [
        activity,
        (...args: unknown[]) => {
          this.calls.push({ activity, args, at: Date.now() });
          const impl = (overrides[activity] ?? defaults[activity]) as (...a: unknown[]) => Promise<unknown>;
          return impl(...args);
        },
      ]),
    ) as unknown as LifecycleActivities;
  }

  /** Activity names in call order. */
  names(): ActivityName[] {
    return this.calls.map((c) => c.activity);
  }

  argsOf(activity: ActivityName): unknown[][] {
    return this.calls.filter((c) => c.activity === activity).map((c) => c.args);
  }

  has(activity: ActivityName): boolean {
    return this.calls.some((c) => c.activity === activity);
  }

  /** Sets a Job's state and signals its workflow, like the Job watcher on a change. */
  async changeJob(snapshot: SnapshotRef, state: CommitJobState): Promise<void> {
    this.jobs.set(snapshot.name, state);
    await this.signalJobChanged(snapshot);
  }

  private defaults(): LifecycleActivities {
    const { replicas = 1, jobDeadlineSeconds = 600, job = () => ({ state: 'committed' }) } = this.options;
    const sources = (sandbox: SandboxRef): PauseSource[] =>
      Array.from({ length: replicas }, (_, index) => ({
        index,
        podName: `${sandbox.name}-${index}`,
        podUid: `pod-uid-${index}`,
        nodeName: 'node-0',
        containers: ['main'],
      }));
    return {
      markPausing: async (sandbox) => ({ proceed: true, sources: { ok: true, sources: sources(sandbox) } }),
      preparePauseSnapshot: async (sandbox, source) => {
        const snapshot = { namespace: sandbox.namespace, name: pauseSnapshotName(sandbox.name, source.index), uid: `${sandbox.uid}-snapshot-${source.index}` };
        return { snapshot, commit: plannedCommit(snapshot, jobDeadlineSeconds) };
      },
      releaseAndMarkPaused: async () => undefined,
      markPauseFailed: async () => undefined,
      markPauseCancelled: async () => undefined,
      deleteSnapshots: async () => undefined,
      planCommit: async (snapshot) => plannedCommit(snapshot, jobDeadlineSeconds),
      // No agent on the node unless a test says so: the commit Job runs.
      commitOnNodeAgent: async () => ({ state: 'unavailable' }),
      createCommitJob: async (snapshot) => {
        const creation = (this.creations.get(snapshot.name) ?? 0) + 1;
        this.creations.set(snapshot.name, creation);
        this.jobs.set(snapshot.name, { state: 'running' });
        const outcome = job(snapshot, creation);
        // The Job runs a little while, then the watcher reports its end (after this activity returned).
        if (outcome) setTimeout(() => void this.changeJob(snapshot, outcome), 100);
      },
      checkCommitJob: async (snapshot) => this.jobs.get(snapshot.name) ?? { state: 'missing' },
      recordSnapshotFailure: async () => undefined,
      deleteCommitJob: async (snapshot) => {
        this.jobs.delete(snapshot.name);
      },
      markResuming: async (sandbox) => ({
        proceed: true,
        snapshots: { ok: true, restores: [{ index: 0, snapshotName: pauseSnapshotName(sandbox.name, 0), containers: [] }] },
      }),
      rewriteTemplate: async () => ({ ok: true }),
      recreatePods: async () => undefined,
      inspectResumedPods: async () => this.pods,
      markResumed: async () => undefined,
      markResumeFailed: async () => undefined,
      recordRejection: async () => undefined,
    };
  }
}

/**
 * The activities a worker registers: each call goes to the fake cluster of its object's namespace (the
 * first argument is a SandboxRef / SnapshotRef, or the namespace itself).
 */
export function routedActivities(clusterOf: (namespace: string) => FakeLifecycleCluster): LifecycleActivities {
  const names = Object.keys(new FakeLifecycleCluster(async () => undefined).activities) as ActivityName[];
  return Object.fromEntries(
    names.map((activity) => [
      activity,
      (first: SandboxRef | SnapshotRef | string, ...rest: unknown[]) => {
        const namespace = typeof first === 'string' ? first : first.namespace;
        return (clusterOf(namespace).activities[activity] as (...a: unknown[]) => Promise<unknown>)(first, ...rest);
      },
    ]),
  ) as unknown as LifecycleActivities;
}
