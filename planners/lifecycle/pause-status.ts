// BatchSandbox status transitions of pause and resume (spec §6.3-§6.5): the status a lifecycle step
// writes, from the latest object, the step's event and the clock. The caller writes it with a full status
// Update guarded by resourceVersion (re-reading and re-planning on a conflict), so the result builds on
// everything the latest object holds: counters, other conditions, pauseObservedGeneration.
//
// Phase -> base condition (spec §2.6): Succeed Ready, Pausing / Resuming Progressing, Paused Paused,
// Failed none. PauseFailed / ResumeFailed / PodFailed are layered on top and only the events below change
// them. Acknowledgement: an operation's outcome acknowledges the generation only while spec.pause still
// holds the operation's intent, so a newer opposite intent (a resume queued behind a pause) stays new and
// is dispatched next (upstream's completePause rule, spec §6.3).
import type { BatchSandbox, BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { batchSandboxConditionTypeSchema, type BatchSandboxConditionType, type BatchSandboxPhase } from '../../api/v1alpha1/conditions.js';
import { ZERO_COUNTERS, type ConditionInput } from '../sandbox/batch-sandbox-status.js';
import { withCondition, withoutConditions, type ConditionChange } from '../sandbox/condition-list.js';

export type PauseLifecycleEvent =
  /** A new generation needs nothing but its acknowledgement (no intent, or the phase already satisfies it). */
  | { type: 'intentAcknowledged' }
  /** The intent cannot be carried out; acknowledged, with the condition explaining why. */
  | { type: 'intentRejected'; condition: 'PauseFailed' | 'ResumeFailed'; reason: string; message: string }
  | { type: 'pauseStarted' }
  /** Every replica committed and released. */
  | { type: 'pauseSucceeded' }
  /**
   * The pause failed. `podsKept`: compensation left the sandbox running (Succeed); otherwise its pods are
   * gone and it is Failed (upstream: PodNotFound).
   */
  | { type: 'pauseFailed'; reason: string; message: string; podsKept: boolean }
  /** pause:false arrived while Pausing; compensation left the sandbox running. */
  | { type: 'pauseCancelled' }
  | { type: 'resumeStarted' }
  /** The resumed pods are Ready (or a Ready pod was already there). */
  | { type: 'resumeSucceeded' }
  /**
   * The resume failed. `Paused` when nothing was changed (snapshot missing or not ready: retryable),
   * `Failed` when the recreated pods fail (the snapshot is kept); `podFailed` is set with the latter.
   */
  | { type: 'resumeFailed'; phase: 'Paused' | 'Failed'; reason: string; message: string; podFailed?: ConditionInput };

type ConditionType = BatchSandboxConditionType;
const ORDER = batchSandboxConditionTypeSchema.options;
const BASE_TYPES: readonly ConditionType[] = ['Ready', 'Progressing', 'Paused'];

const BASE_CONDITION: Readonly<Record<BatchSandboxPhase, ConditionChange<ConditionType> | undefined>> = {
  Pending: { type: 'Progressing', reason: 'Creating', message: 'Sandbox is being created' },
  Succeed: { type: 'Ready', reason: 'PodsReady', message: 'Sandbox is running' },
  Pausing: { type: 'Progressing', reason: 'PauseInProgress', message: 'Pausing sandbox' },
  Paused: { type: 'Paused', reason: 'Paused', message: 'Sandbox is paused' },
  Resuming: { type: 'Progressing', reason: 'ResumeInProgress', message: 'Resuming sandbox' },
  Failed: undefined,
};

interface Step {
  /** Phase to enter; undefined keeps the current one (and its base condition). */
  phase?: BatchSandboxPhase;
  set?: ConditionChange<ConditionType>[];
  clear?: ConditionType[];
  /** Acknowledge when spec.pause equals this; 'always' for acknowledgements and rejections. */
  ackWhen: boolean | 'always';
  /** The pods are gone: the counters of pods go to 0. */
  podsGone?: boolean;
}

function stepOf(event: PauseLifecycleEvent): Step {
  switch (event.type) {
    case 'intentAcknowledged':
      return { ackWhen: 'always' };
    case 'intentRejected':
      return { ackWhen: 'always', set: [{ type: event.condition, reason: event.reason, message: event.message }] };
    case 'pauseStarted':
      return { phase: 'Pausing', clear: ['PauseFailed'], ackWhen: true };
    case 'pauseSucceeded':
      return { phase: 'Paused', clear: ['PauseFailed'], ackWhen: true, podsGone: true };
    case 'pauseFailed':
      return {
        phase: event.podsKept ? 'Succeed' : 'Failed',
        set: [{ type: 'PauseFailed', reason: event.reason, message: event.message }],
        ackWhen: true,
        podsGone: !event.podsKept,
      };
    case 'pauseCancelled':
      return { phase: 'Succeed', ackWhen: false };
    case 'resumeStarted':
      return { phase: 'Resuming', clear: ['ResumeFailed'], ackWhen: false };
    case 'resumeSucceeded':
      return { phase: 'Succeed', clear: ['ResumeFailed', 'PodFailed'], ackWhen: false };
    case 'resumeFailed':
      return {
        phase: event.phase,
        set: [{ type: 'ResumeFailed', reason: event.reason, message: event.message }, ...(event.podFailed ? [event.podFailed] : [])],
        ackWhen: false,
      };
  }
}

/** The phase each operation's outcome is written from: the one its start wrote. */
const OUTCOME_PHASE: Partial<Record<PauseLifecycleEvent['type'], BatchSandboxPhase>> = {
  pauseSucceeded: 'Pausing',
  pauseFailed: 'Pausing',
  pauseCancelled: 'Pausing',
  resumeSucceeded: 'Resuming',
  resumeFailed: 'Resuming',
};

/**
 * Whether `event` may still be written on a sandbox with `status`. An outcome belongs to the phase its
 * operation's start wrote, and to that start: `claim` is the pauseObservedGeneration the start left
 * (undefined for runs recorded before it was kept: the phase alone decides). Once the sandbox has left
 * the phase, or a newer operation has started (its own claim), the outcome was written already or the
 * client has moved on. A step that runs again then (a local activity repeated because its workflow task
 * was not recorded, a retry after a crash) must write nothing: it would overwrite a newer operation's
 * state with a stale decision.
 */
export function outcomeStillApplies(
  status: Pick<BatchSandboxStatus, 'phase' | 'pauseObservedGeneration'> | undefined,
  event: PauseLifecycleEvent,
  claim?: number,
): boolean {
  const required = OUTCOME_PHASE[event.type];
  if (required === undefined) return true;
  return status?.phase === required && (claim === undefined || status.pauseObservedGeneration === claim);
}

/** The status to write for `event` on the latest `sandbox`. */
export function nextPauseStatus(sandbox: BatchSandbox, event: PauseLifecycleEvent, now: Date): BatchSandboxStatus {
  const old: BatchSandboxStatus = sandbox.status ?? { ...ZERO_COUNTERS };
  const step = stepOf(event);
  let conditions = withoutConditions(old.conditions ?? [], step.clear ?? []);
  if (step.phase !== undefined) {
    const base = BASE_CONDITION[step.phase];
    // The new phase's own base condition stays in place so that its lastTransitionTime is kept.
    conditions = withoutConditions(
      conditions,
      BASE_TYPES.filter((type) => type !== base?.type),
    );
    if (base) conditions = withCondition(conditions, base, now, ORDER);
  }
  for (const change of step.set ?? []) conditions = withCondition(conditions, change, now, ORDER);
  conditions.sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));

  const status: BatchSandboxStatus = { ...old, conditions };
  if (step.phase !== undefined) status.phase = step.phase;
  if (step.podsGone) Object.assign(status, { replicas: 0, allocated: 0, ready: 0 });
  const generation = sandbox.metadata.generation;
  const acknowledge = step.ackWhen === 'always' || sandbox.spec.pause === step.ackWhen;
  if (acknowledge && generation !== undefined) status.pauseObservedGeneration = generation;
  return status;
}

/**
 * Why a pause whose snapshot failed failed (spec §6.3 syncPauseOrClear): `Timeout` when the commit overran
 * its deadline, `SnapshotFailed` otherwise, with the snapshot's own message.
 */
export function snapshotPauseFailure(snapshot: { reason?: string; message?: string }): { reason: string; message: string } {
  return { reason: snapshot.reason === 'Timeout' ? 'Timeout' : 'SnapshotFailed', message: snapshot.message || 'snapshot failed' };
}

/**
 * The outcome of a failed pause: the sandbox keeps running (Succeed + PauseFailed with the failure's
 * reason) while a pod of it is left; without one it is Failed + PauseFailed PodNotFound.
 */
export function pauseFailedEvent(failure: { reason: string; message: string }, podsKept: boolean): PauseLifecycleEvent {
  return { type: 'pauseFailed', reason: podsKept ? failure.reason : 'PodNotFound', message: failure.message, podsKept };
}

/**
 * The outcome of a resume that finds no usable snapshot (spec §6.4 continueResume steps 1-2): a sandbox
 * that has a Ready pod anyway is running (Succeed); otherwise it stays Paused with ResumeFailed, which the
 * server can retry through the bridge.
 */
export function resumeBlockedEvent(blocked: { reason: string; message: string }, hasReadyPod: boolean): PauseLifecycleEvent {
  if (hasReadyPod) return { type: 'resumeSucceeded' };
  return { type: 'resumeFailed', phase: 'Paused', reason: blocked.reason, message: blocked.message };
}
