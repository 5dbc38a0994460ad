// The watchers' handle on the pause, resume and snapshot workflows: start them (idempotently, by id),
// cancel a pause, and nudge a waiting run when the objects it waits on change. Signals are nudges, not
// state: every workflow looks at the cluster again when woken and also on a slow backstop timer, so a
// lost signal only costs latency.
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { SandboxRef, SnapshotRef } from '../api/object-refs.js';
import type { SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import type { Logger } from '../kernel/logger.js';
import { pauseGenerationOf } from '../planners/lifecycle/pause-snapshot.js';
import { controllerOf } from '../planners/kube/pod-state.js';
import { isPauseSnapshot } from '../planners/lifecycle/snapshot-names.js';
import {
  commitJobChangedSignal,
  lifecycleSearchAttributes,
  pauseWorkflowId,
  resumeWorkflowId,
  sandboxPodsChangedSignal,
  snapshotWorkflowId,
  type LifecycleOperation,
  type PauseWorkflowInput,
  type ResumeWorkflowInput,
  type SnapshotWorkflowInput,
} from '../workflows/lifecycle-api.js';

/**
 * The run that waits for a snapshot's commit Job, which the Job watcher wakes: the pause of the generation
 * an internal snapshot belongs to (owner UID and pause-generation annotation), else the snapshot's own run.
 */
export function commitWorkflowId(snapshot: SandboxSnapshot): string {
  const { namespace = '', name, uid = '' } = snapshot.metadata;
  const owner = controllerOf(snapshot);
  const generation = pauseGenerationOf(snapshot);
  if (isPauseSnapshot(snapshot) && owner !== undefined && generation !== undefined) {
    return pauseWorkflowId({ namespace, name: snapshot.spec.sandboxName, uid: owner.uid }, generation);
  }
  return snapshotWorkflowId({ namespace, name, uid });
}

export interface LifecycleDeadlines {
  pauseMs: number;
  resumeMs: number;
}

/** What the controllers need (tests pass fakes). */
export interface LifecycleWorkflows {
  startPause(sandbox: SandboxRef, generation: number): Promise<void>;
  startResume(sandbox: SandboxRef, generation: number): Promise<void>;
  /** Cancels the pause of `generation` (or, if that id is unknown, any running pause of the sandbox). */
  cancelPause(sandbox: SandboxRef, generation: number): Promise<void>;
  /** Starts the pause of `generation` again if its run ended without finishing; a no-op otherwise. */
  ensurePause(sandbox: SandboxRef, generation: number): Promise<void>;
  /** A pod of a Resuming sandbox changed. */
  sandboxPodsChanged(sandbox: SandboxRef): void;
  /** The sandbox is being deleted: its running operations end (their clean-up runs). */
  sandboxDeleted(sandbox: SandboxRef): void;
  startSnapshot(snapshot: SnapshotRef, sandboxName: string): Promise<void>;
  /** The commit Job of a snapshot, or one of its pods, changed: the run waiting for it looks again. */
  commitJobChanged(snapshot: SandboxSnapshot): void;
  /** Resolves when no nudge is in flight (shutdown: the client may close then). */
  idle(): Promise<void>;
}

export interface TemporalLifecycleWorkflowsOptions {
  client: Client;
  taskQueue: string;
  deadlines: LifecycleDeadlines;
  /** Request eager starts (only with a client on the worker's NativeConnection). */
  eagerStart: boolean;
  log: Logger;
}

/** A missing run is no error for a nudge or a cancel: it has ended, or never started. */
function ignoreMissing(err: unknown): void {
  if (!(err instanceof WorkflowNotFoundError)) throw err;
}

export class TemporalLifecycleWorkflows implements LifecycleWorkflows {
  /** Resume runs this process started, by sandbox UID: pod changes go to them without a lookup. */
  private readonly resumes = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: TemporalLifecycleWorkflowsOptions) {}

  async startPause(sandbox: SandboxRef, generation: number): Promise<void> {
    await this.start('pauseWorkflow', pauseWorkflowId(sandbox, generation), this.pauseInput(sandbox, generation), sandbox.namespace, sandbox.name, 'pause');
  }

  async ensurePause(sandbox: SandboxRef, generation: number): Promise<void> {
    const workflowId = pauseWorkflowId(sandbox, generation);
    await this.start('pauseWorkflow', workflowId, this.pauseInput(sandbox, generation), sandbox.namespace, sandbox.name, 'pause', 'debug');
  }

  async startResume(sandbox: SandboxRef, generation: number): Promise<void> {
    const workflowId = resumeWorkflowId(sandbox, generation);
    const input: ResumeWorkflowInput = { sandbox, generation, deadlineMs: this.opts.deadlines.resumeMs };
    this.resumes.set(sandbox.uid, workflowId);
    await this.start('resumeWorkflow', workflowId, input, sandbox.namespace, sandbox.name, 'resume');
  }

  async startSnapshot(snapshot: SnapshotRef, sandboxName: string): Promise<void> {
    const input: SnapshotWorkflowInput = { snapshot, sandboxName };
    await this.start('snapshotWorkflow', snapshotWorkflowId(snapshot), input, snapshot.namespace, sandboxName, 'snapshot');
  }

  async cancelPause(sandbox: SandboxRef, generation: number): Promise<void> {
    // A run that ended without finishing runs again first: its cancellation clean-up (the Job and the
    // snapshots deleted, phase back to Succeed) is what leaves Pausing.
    await this.ensurePause(sandbox, generation);
    await this.cancel([pauseWorkflowId(sandbox, generation), ...(await this.running(sandbox, 'pause'))]);
  }

  sandboxPodsChanged(sandbox: SandboxRef): void {
    const known = this.resumes.get(sandbox.uid);
    const ids = known ? Promise.resolve([known]) : this.running(sandbox, 'resume');
    this.track(
      ids
        .then(async (found) => {
          for (const workflowId of found) {
            this.resumes.set(sandbox.uid, workflowId);
            await this.opts.client.workflow.getHandle(workflowId).signal(sandboxPodsChangedSignal);
          }
        })
        .catch((err: unknown) => this.nudgeFailed(err, 'BatchSandbox', sandbox)),
    );
  }

  sandboxDeleted(sandbox: SandboxRef): void {
    this.resumes.delete(sandbox.uid);
    const cancelAll = async () => this.cancel([...(await this.running(sandbox, 'pause')), ...(await this.running(sandbox, 'resume'))]);
    this.track(cancelAll().catch((err: unknown) => this.nudgeFailed(err, 'BatchSandbox', sandbox)));
  }

  commitJobChanged(snapshot: SandboxSnapshot): void {
    const { namespace = '', name, uid = '' } = snapshot.metadata;
    this.track(
      this.opts.client.workflow
        .getHandle(commitWorkflowId(snapshot))
        .signal(commitJobChangedSignal, name)
        .catch((err: unknown) => this.nudgeFailed(err, 'SandboxSnapshot', { namespace, name, uid })),
    );
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private track(nudge: Promise<void>): void {
    this.inFlight.add(nudge);
    void nudge.finally(() => this.inFlight.delete(nudge));
  }

  private pauseInput(sandbox: SandboxRef, generation: number): PauseWorkflowInput {
    return { sandbox, generation, deadlineMs: this.opts.deadlines.pauseMs };
  }

  /**
   * Starts a run unless one with this id is running (use it) or has completed (rejected as a duplicate:
   * the operation of that generation or snapshot is done, and its outcome is on the object). A run that
   * ended without completing (terminated, timed out, failed) wrote no outcome, so it is started again.
   */
  private async start(
    workflowType: string,
    workflowId: string,
    input: PauseWorkflowInput | ResumeWorkflowInput | SnapshotWorkflowInput,
    namespace: string,
    sandboxName: string,
    operation: LifecycleOperation,
    logLevel: 'info' | 'debug' = 'info',
  ): Promise<void> {
    try {
      await this.opts.client.workflow.start(workflowType, {
        workflowId,
        taskQueue: this.opts.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        requestEagerStart: this.opts.eagerStart,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        typedSearchAttributes: lifecycleSearchAttributes(namespace, sandboxName, operation),
      });
      this.opts.log[logLevel]({ kind: 'BatchSandbox', namespace, name: sandboxName, workflowId }, 'Started workflow (or found it running)');
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Requests cancellation of each run (once per id); one that has ended or never started is fine. */
  private async cancel(workflowIds: string[]): Promise<void> {
    for (const workflowId of new Set(workflowIds)) {
      await this.opts.client.workflow.getHandle(workflowId).cancel().catch(ignoreMissing);
    }
  }

  /** Running runs of an operation on this very sandbox (by UID), from visibility (eventually consistent). */
  private async running(sandbox: SandboxRef, operation: 'pause' | 'resume'): Promise<string[]> {
    const query = [
      `OpenSandboxNamespace="${sandbox.namespace}"`,
      `OpenSandboxSandbox="${sandbox.name}"`,
      `OpenSandboxOperation="${operation}"`,
      `ExecutionStatus="Running"`,
    ].join(' AND ');
    const prefix = `${operation}/${sandbox.namespace}/${sandbox.name}/${sandbox.uid}/`;
    const ids: string[] = [];
    for await (const run of this.opts.client.workflow.list({ query })) {
      if (run.workflowId.startsWith(prefix)) ids.push(run.workflowId);
    }
    return ids;
  }

  private nudgeFailed(err: unknown, kind: string, ref: SandboxRef | SnapshotRef): void {
    if (err instanceof WorkflowNotFoundError) return;
    this.opts.log.warn({ err, kind, namespace: ref.namespace, name: ref.name }, 'Could not signal or cancel the workflow');
  }
}
