// BatchSandbox status writes of the pause and resume workflows: workflows pass lifecycle events, and the
// status each leads to is computed here from the latest object (nextPauseStatus), never from a copy the
// workflow carried (ADR 0004).
import type { BatchSandbox } from '../api/v1alpha1/batch-sandbox.js';
import type { SandboxSnapshot } from '../api/v1alpha1/sandbox-snapshot.js';
import { EVENT_REASONS, type EventType } from '../kernel/events.js';
import { lifecycleGate, type LifecycleOperationKind } from '../planners/lifecycle/lifecycle-gate.js';
import { nextPauseStatus, outcomeStillApplies, type PauseLifecycleEvent } from '../planners/lifecycle/pause-status.js';
import type { LifecycleContext, ObjectRef } from './lifecycle-objects.js';
import type { StepGate } from '../planners/lifecycle/lifecycle-gate.js';

/** A Kubernetes Event recorded once the status is written. */
export interface LifecycleNotice {
  type: EventType;
  reason: (typeof EVENT_REASONS)[keyof typeof EVENT_REASONS];
  message: string;
}

/**
 * Writes the status `event` leads to on the latest sandbox (`event` may depend on it), then records
 * `notice` about it. An outcome its operation no longer owns (outcomeStillApplies, with the operation's
 * `claim`) is not written. Returns the sandbox as written (or as found).
 */
export async function writeLifecycleEvent(
  { objects, events, log, now }: LifecycleContext,
  ref: ObjectRef,
  event: PauseLifecycleEvent | ((latest: BatchSandbox) => Promise<PauseLifecycleEvent>),
  notice?: LifecycleNotice,
  claim?: number,
): Promise<BatchSandbox> {
  let applied: PauseLifecycleEvent | undefined;
  let superseded = false;
  const written = await objects.sandboxes.updateStatus(ref, async (latest) => {
    applied = typeof event === 'function' ? await event(latest) : event;
    superseded = !outcomeStillApplies(latest.status, applied, claim);
    return superseded ? undefined : nextPauseStatus(latest, applied, now());
  });
  const fields = { kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, event: applied?.type, phase: written.status?.phase };
  if (superseded) {
    log.info(
      { ...fields, claim, pauseObservedGeneration: written.status?.pauseObservedGeneration },
      'Lifecycle outcome not written: its operation no longer owns the phase',
    );
    return written;
  }
  log.info(fields, 'Wrote lifecycle status');
  if (notice) events.record(written, notice.type, notice.reason, notice.message);
  return written;
}

/**
 * The first step of a pause or resume: re-checks that `generation` still asks for it (lifecycleGate on
 * the latest sandbox and its snapshots) and writes phase Pausing / Resuming; writes nothing otherwise.
 * Returns the gate with the sandbox and snapshots it was decided on, and what `alongside` read from that
 * sandbox meanwhile (side by side with the snapshots: one round trip less on the operation's path).
 */
export async function markStarted<T = undefined>(
  { objects, log, now }: LifecycleContext,
  operation: LifecycleOperationKind,
  ref: ObjectRef,
  generation: number,
  alongside: (latest: BatchSandbox) => Promise<T> = async () => undefined as T,
): Promise<{ gate: StepGate; sandbox: BatchSandbox; snapshots: SandboxSnapshot[]; read: T }> {
  let gate = { proceed: false, why: 'not checked' } as StepGate;
  let snapshots: SandboxSnapshot[] = [];
  let read = undefined as T;
  const sandbox = await objects.sandboxes.updateStatus(ref, async (latest) => {
    [snapshots, read] = await Promise.all([objects.snapshots.list(ref.namespace), alongside(latest)]);
    gate = lifecycleGate(operation, latest, snapshots, generation);
    if (!gate.proceed) return undefined;
    return nextPauseStatus(latest, { type: operation === 'pause' ? 'pauseStarted' : 'resumeStarted' }, now());
  });
  const fields = { kind: 'BatchSandbox', namespace: ref.namespace, name: ref.name, operation, generation };
  if (gate.proceed) log.info(fields, 'Lifecycle operation started');
  else log.info({ ...fields, why: gate.why }, 'Lifecycle operation no longer applies');
  return { gate, sandbox, snapshots, read };
}
