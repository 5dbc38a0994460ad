// What the outside world sees of the pause, resume and snapshot workflows: their ids, inputs, signals and
// the `progress` query. The watchers start, signal and cancel them by these; users find them in the
// Temporal UI by id or by search attributes (OpenSandboxNamespace, OpenSandboxSandbox, OpenSandboxOperation).
import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SandboxRef, SnapshotRef } from '../api/object-refs.js';
import { NAMESPACE_ATTRIBUTE, OPERATION_ATTRIBUTE, SANDBOX_ATTRIBUTE } from './search-attributes.js';

export type LifecycleOperation = 'pause' | 'resume' | 'snapshot';
/** Every per-sandbox operation a run can carry out (the tasks workflow's is `tasks`). */
export type SandboxOperation = LifecycleOperation | 'tasks';

/** `pause/<ns>/<name>/<uid>/<generation>`: one run per pause intent (a bridge retry is a new generation). */
export function pauseWorkflowId(sandbox: SandboxRef, generation: number): string {
  return `pause/${sandbox.namespace}/${sandbox.name}/${sandbox.uid}/${generation}`;
}

/** `resume/<ns>/<name>/<uid>/<generation>`. */
export function resumeWorkflowId(sandbox: SandboxRef, generation: number): string {
  return `resume/${sandbox.namespace}/${sandbox.name}/${sandbox.uid}/${generation}`;
}

/** `snapshot/<ns>/<snapshot>/<uid>`: the commit of one SandboxSnapshot. */
export function snapshotWorkflowId(snapshot: SnapshotRef): string {
  return `snapshot/${snapshot.namespace}/${snapshot.name}/${snapshot.uid}`;
}

/** The search attributes a lifecycle run carries: `OpenSandboxSandbox="<name>" AND OpenSandboxOperation="pause"` finds it. */
export function lifecycleSearchAttributes(namespace: string, sandbox: string, operation: SandboxOperation): SearchAttributePair[] {
  return [
    { key: NAMESPACE_ATTRIBUTE, value: namespace },
    { key: SANDBOX_ATTRIBUTE, value: sandbox },
    { key: OPERATION_ATTRIBUTE, value: operation },
  ];
}

export interface PauseWorkflowInput {
  sandbox: SandboxRef;
  /** The BatchSandbox generation whose pause intent this run carries out. */
  generation: number;
  /** The whole pause must be done by then (ms after start), or it fails with reason Timeout. */
  deadlineMs: number;
}

export interface ResumeWorkflowInput {
  sandbox: SandboxRef;
  generation: number;
  /** The whole resume must be done by then (ms after start), or it fails with reason Timeout. */
  deadlineMs: number;
}

export interface SnapshotWorkflowInput {
  snapshot: SnapshotRef;
  /** The sandbox it commits, for search attributes. */
  sandboxName: string;
}

/** The watcher saw the commit Job of this snapshot, or one of its pods, change: look again. */
export const commitJobChangedSignal = defineSignal<[snapshotName: string]>('commitJobChanged');
/** The watcher saw a pod of the resuming sandbox change: look again. */
export const sandboxPodsChangedSignal = defineSignal('sandboxPodsChanged');

export interface LifecycleProgress {
  operation: LifecycleOperation;
  /** The step running now, as named in the activity list (e.g. `waiting for commit job`). */
  step: string;
  /** Steps finished so far, in order. */
  done: string[];
  /** Set once the operation has ended. */
  outcome?: 'succeeded' | 'failed' | 'cancelled' | 'abandoned';
  /** Why it failed or was abandoned. */
  message?: string;
}
export const lifecycleProgressQuery = defineQuery<LifecycleProgress>('progress');

/** What a pause or resume run returns: its outcome (as the `progress` query shows it once ended). */
export interface LifecycleResult {
  outcome: NonNullable<LifecycleProgress['outcome']>;
  message?: string;
}

/** What a snapshot run returns: the phase the SandboxSnapshot ended in, and why it failed. */
export type SnapshotWorkflowResult = { phase: 'Succeed' } | { phase: 'Failed'; reason: string; message: string };
