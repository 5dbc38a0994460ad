// The activity contract of the pause, resume and snapshot workflows (ADR 0004): what each step takes and
// returns. Workflows import only these types; activities/lifecycle-activities.ts implements them against the
// cluster. Every activity is idempotent (a retry after a crash repeats nothing visible twice) and re-reads
// what it acts on: a step never rests on a copy the workflow carried.
//
// A sandbox or snapshot that is gone, or was replaced by a namesake (another UID), ends the workflow: the
// activity throws a non-retryable ApplicationFailure of type OBJECT_GONE (api/activity-failure-types.ts) and the workflow stops quietly.
import type { PauseSource, PauseSourceResult } from '../planners/lifecycle/pause-source.js';
import type { CommitJobSettings, CommitTarget } from '../planners/lifecycle/commit-job.js';
import type { ReplicaRestore } from '../planners/lifecycle/resume-source.js';
import type { ResumeProgress } from '../planners/lifecycle/resume-progress.js';
import type { ConditionInput } from '../planners/sandbox/batch-sandbox-status.js';
import type { SandboxRef, SnapshotRef } from '../api/object-refs.js';

/** How a snapshot's commit goes on: planCommit's or preparePauseSnapshot's answer. */
export type CommitPlanStep =
  /** The commit to run: createCommitJob next. `deadlineSeconds` is the Job's activeDeadlineSeconds. */
  | { state: 'planned'; target: CommitTarget; deadlineSeconds: number }
  /** Already terminal (a retried workflow, or the snapshot failed before any Job: then it is recorded). */
  | { state: 'terminal'; phase: 'Succeed' }
  | ({ state: 'terminal'; phase: 'Failed' } & PauseFailure);

/**
 * Where a snapshot's commit stands after checkCommitJob:
 * - `committed`: the Job succeeded and its result is recorded (phase Succeed, digests): final;
 * - `running`: the Job runs (or waits for its pod);
 * - `failed`: the Job failed (reason Timeout or CommitJobFailed, with the last attempt's message), its
 *   pod cannot start (CommitJobFailed, naming the image and the kubelet's reason), or it succeeded but
 *   left no usable result (CommitResultInvalid);
 * - `missing`: there is no Job (deleted from outside: the workflow re-creates it).
 */
export type CommitJobState = { state: 'committed' } | { state: 'running' } | { state: 'missing' } | ({ state: 'failed' } & PauseFailure);

export interface PauseFailure {
  reason: string;
  message: string;
}

/** A pause's snapshot of one replica and how its commit goes on. */
export interface PreparedPauseSnapshot {
  snapshot: SnapshotRef;
  commit: CommitPlanStep;
}

/**
 * What markPausing found: whether the pause goes on and, if so, the pods it commits and its `claim`: the
 * pauseObservedGeneration it left, which the outcome writers check (outcomeStillApplies).
 */
export type PauseStart = { proceed: false; why: string } | { proceed: true; sources: PauseSourceResult; claim?: number };

/** Activities of the pause workflow (`pause/<ns>/<name>/<uid>/<generation>`). */
export interface PauseActivities {
  /**
   * Re-checks that `generation` still asks for a pause (decidePauseIntent says startPause for it, or the
   * phase is already Pausing for it: a retry) and writes phase Pausing (nextPauseStatus pauseStarted);
   * with it, one source pod per replica by current ownership (selectPauseSources). One step: every round
   * trip before the commit Job is pause latency.
   */
  markPausing(sandbox: SandboxRef, generation: number): Promise<PauseStart>;
  /**
   * The internal snapshot of `source`'s replica for the pause of `generation`: created, used (this pause's
   * own, on a retry) or replaced (an earlier operation's: deleted, then created); with it, the commit of
   * `source` into it (planSourceCommit: the pause chose the pod, so nothing is read again). A plan that
   * fails is recorded on the snapshot and returned as terminal. No status write before the Job: every
   * round trip here is pause latency.
   */
  preparePauseSnapshot(sandbox: SandboxRef, source: PauseSource, generation: number): Promise<PreparedPauseSnapshot>;
  /**
   * Point of no return, then the end: releases the source pods and writes phase Paused (pauseSucceeded,
   * Normal Event `Paused`). Non-pooled: deletes each source pod with a UID precondition (404/409 = done).
   * Pooled: detaches the sandbox from its Pool in one merge patch (solidifiedTemplate + poolDetachPatch,
   * guarded by resourceVersion); the Pool workflow then recycles the pods. One step: the status is
   * written right after the release, before the BatchSandbox watcher reacts to the pods going away.
   */
  releaseAndMarkPaused(sandbox: SandboxRef, sources: PauseSource[], claim?: number): Promise<void>;
  /**
   * The pause failed before the point of no return: phase Succeed + PauseFailed(reason) while a pod of the
   * sandbox still exists, else Failed + PauseFailed(PodNotFound) (pauseFailedEvent's rule); Warning Event
   * `PauseFailed`.
   */
  markPauseFailed(sandbox: SandboxRef, failure: PauseFailure, claim?: number): Promise<void>;
  /** pause:false arrived while Pausing: phase Succeed (pauseCancelled), Normal Event `PauseCancelled`. */
  markPauseCancelled(sandbox: SandboxRef, claim?: number): Promise<void>;
  /** Deletes these snapshots (cancellation: a cancelled pause leaves no snapshot of its own). 404 = done. */
  deleteSnapshots(namespace: string, snapshots: string[]): Promise<void>;
}

/**
 * Activities of a snapshot's commit: run inline by the pause workflow for its internal snapshots, and by
 * the snapshot workflow (`snapshot/<ns>/<snapshot>/<uid>`) for the server's.
 */
export interface SnapshotActivities {
  /** Acknowledges the snapshot, plans the commit (planSnapshotCommit) and persists it; a plan failure is recorded. */
  planCommit(snapshot: SnapshotRef): Promise<CommitPlanStep>;
  /**
   * Creates `<snapshot>-commit` (AlreadyExists = done), then records the target and phase Committing in
   * one status write; Normal Event `CreatedJob`. The Job goes first because it is what the pause waits
   * for; a retry repeats both, and a snapshot given up before the write has its Job deleted, which
   * unpauses the source (the committer's SIGTERM handling).
   */
  createCommitJob(snapshot: SnapshotRef, target: CommitTarget): Promise<void>;
  /**
   * Reads the commit Job (and its pods, but for a success); a succeeded Job's result, from its pods'
   * termination messages, is recorded at once: phase Succeed with the digests, Normal Event
   * `JobSucceeded`. One step, because the pause waits for it: a retry finds the snapshot Succeed and
   * records nothing twice.
   */
  checkCommitJob(snapshot: SnapshotRef): Promise<CommitJobState>;
  /**
   * Writes phase Failed with reason and message (terminal phases never move), creates the unpause Job
   * when the source is known, Warning Event `JobFailed`.
   */
  recordSnapshotFailure(snapshot: SnapshotRef, failure: PauseFailure): Promise<void>;
  /** Deletes `<snapshot>-commit` (background propagation; 404 = done): compensation and cancellation. */
  deleteCommitJob(snapshot: SnapshotRef): Promise<void>;
}

export type ResumeSnapshotsStep = { ok: true; restores: ReplicaRestore[] } | { ok: false; reason: string; message: string; hasReadyPod: boolean };

export interface ResumeFailure {
  /** Paused: nothing was changed (retryable through the bridge); Failed: the recreated pods fail. */
  phase: 'Paused' | 'Failed';
  reason: string;
  message: string;
  podFailed?: ConditionInput;
}

/** What markResuming found: whether the resume goes on and, if so, the snapshots it restores from and its claim (PauseStart). */
export type ResumeStart = { proceed: false; why: string } | { proceed: true; snapshots: ResumeSnapshotsStep; claim?: number };

/** Activities of the resume workflow (`resume/<ns>/<name>/<uid>/<generation>`). */
export interface ResumeActivities {
  /**
   * Re-checks that `generation` still asks for a resume (or it is already Resuming: a retry) and writes
   * phase Resuming; with it, the succeeded snapshot of every replica (selectResumeSources on the snapshots
   * the check read), or why not and whether a pod is Ready anyway. One step: resume is latency-sensitive.
   */
  markResuming(sandbox: SandboxRef, generation: number): Promise<ResumeStart>;
  /**
   * Rewrites spec.template / shardPatches to the snapshot images and adds the resume pull secret
   * (resumeSpecPatch; merge patch guarded by resourceVersion, re-planned on a conflict). Idempotent: a
   * template that already runs the images is left alone. `{ok:false}` when there is no template.
   */
  rewriteTemplate(sandbox: SandboxRef, restores: ReplicaRestore[]): Promise<{ ok: true } | { ok: false; reason: string; message: string }>;
  /** Creates the missing pods `<bs>-<i>` from the rewritten spec (buildNonPooledPod; AlreadyExists = done). */
  recreatePods(sandbox: SandboxRef): Promise<void>;
  /** How the recreated pods are doing (resumeProgress). */
  inspectResumedPods(sandbox: SandboxRef): Promise<ResumeProgress>;
  /**
   * Phase Succeed (resumeSucceeded), then deletes the internal pause snapshots of pauses before the
   * resume's `generation` (snapshotsRetiredByResume); Normal Event `Resumed`.
   */
  markResumed(sandbox: SandboxRef, generation: number, claim?: number): Promise<void>;
  /** resumeFailed with this phase, reason and message; snapshots kept; Warning Event `ResumeFailed`. */
  markResumeFailed(sandbox: SandboxRef, failure: ResumeFailure, claim?: number): Promise<void>;
}

/** Reporting, on the sandbox, a pause or resume step the apiserver refused for good (API_REJECTED). */
export interface RejectionActivities {
  /** Warning Event PauseRejected or ResumeRejected (lifecycleRejectedEvent) naming the step and the refusal. */
  recordRejection(sandbox: SandboxRef, operation: 'pause' | 'resume', step: string, message: string): Promise<void>;
}

export type LifecycleActivities = PauseActivities & SnapshotActivities & AgentCommitActivities & ResumeActivities & RejectionActivities;

/**
 * Operator settings the activities use (config/operator-config.ts: snapshot flags): the commit Job's own
 * (`--image-committer-image`, `--containerd-socket-path`, `--snapshot-push-secret`,
 * `--snapshot-registry-insecure`, `--commit-job-timeout` as timeoutSeconds), and these.
 */
export interface SnapshotSettings extends CommitJobSettings {
  /** `--snapshot-registry`; '' = not configured (every snapshot fails with RegistryNotConfigured). */
  registry: string;
  /** `--resume-pull-secret`: added to the resumed template's imagePullSecrets. */
  resumePullSecretName?: string;
  /** The node agents that commit without a Job (ADR 0007); absent = every commit runs as a Job. */
  commitAgent?: CommitAgentSettings;
}

/** Where the node agents are and how to talk to them (`--commit-agent-*`). */
export interface CommitAgentSettings {
  /** The namespace of the agents' pods. */
  namespace: string;
  /** The label selector of the agents' pods. */
  selector: string;
  port: number;
  /** The bearer token the agents want (`--commit-agent-token-file`). */
  token: string;
}

/** How a commit through the node's agent ended; `unavailable`: no agent serves the node, the Job runs instead. */
export type AgentCommitOutcome = { state: 'unavailable' } | { state: 'committed' } | ({ state: 'failed' } & PauseFailure);

/** The commit through the node agent: one heartbeating activity, not local (it lasts as long as the commit). */
export interface AgentCommitActivities {
  /**
   * When an agent is Ready on the target's node: records the target and phase Committing (one status
   * write), asks the agent to commit, waits for it (heartbeating), and records the result as checkCommitJob
   * does (phase Succeed with the digests, Normal Event `Committed`). A failure the agent calls transient
   * is retried twice, as the Job's backoff would; a permanent one is returned at once. A cancellation
   * stops the commit at the agent, which thaws the container.
   */
  commitOnNodeAgent(snapshot: SnapshotRef, target: CommitTarget): Promise<AgentCommitOutcome>;
}
