// The pause/resume dispatch decision (spec §6.2, server protocol in server-integration §1.6): what the
// watcher does about a BatchSandbox's spec.pause, from the object and its internal pause snapshots.
//
// An intent is new when metadata.generation > status.pauseObservedGeneration. Upstream acts on every new
// generation, so an expireTime renewal while Paused re-runs the pause, deletes the only good snapshot and
// loses the sandbox (spec §10 R1); a stray pause:false on a running sandbox flips it to Paused (B12).
// Here a new generation only starts an operation when the intent differs from the phase: pause from
// Succeed, resume from Paused. A generation whose intent the phase already satisfies is acknowledged and
// nothing else; an intent the phase cannot satisfy is acknowledged with PauseFailed / ResumeFailed saying
// why, so the server sees an answer instead of a phase that never moves.
//
// While an operation runs, its workflow owns the phase: a new generation with the same intent (a renewal)
// is left to the workflow's final acknowledgement (the watcher only keeps the pause's run alive),
// pause:false while Pausing cancels the pause, and
// pause:true while Resuming stays unacknowledged so that it is acted on once the resume has finished
// (upstream's behaviour). Retry bridge: after PauseFailed (phase Succeed) the server writes pause:null,
// then pause:true; each is a new generation, the first is acknowledged, the second starts a pause. The
// same holds if only the second is observed.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { selectResumeSources } from './resume-source.js';

export type PauseIntentDecision =
  | { action: 'none'; why: string }
  /** Start the pause workflow for this generation. */
  | { action: 'startPause'; generation: number }
  /** Start the resume workflow for this generation. */
  | { action: 'startResume'; generation: number }
  /** Cancel the running pause; its compensation returns the sandbox to Succeed and acknowledges. */
  | { action: 'cancelPause'; generation: number }
  /**
   * Pausing: the pause of `generation` owns the phase. Make sure its run is alive: one that ended without
   * finishing (terminated, timed out, failed) would leave the phase Pausing for ever, so it runs again.
   */
  | { action: 'ensurePause'; generation: number; why: string }
  /** Write pauseObservedGeneration = generation, nothing else. */
  | { action: 'acknowledge'; generation: number; why: string }
  /** Acknowledge and set `condition` (phase unchanged). */
  | {
      action: 'reject';
      generation: number;
      condition: 'PauseFailed' | 'ResumeFailed';
      reason: string;
      message: string;
    };

export interface PauseIntentInput {
  sandbox: BatchSandbox;
  /** The sandbox's internal pause snapshots (any; those it does not control are ignored). */
  snapshots: readonly SandboxSnapshot[];
}

/** spec.pause as an intent: true pause, false resume, undefined none (null is stored as absent). */
type Intent = boolean | undefined;

function describeIntent(intent: Intent): string {
  return intent === undefined ? 'pause unset' : `pause=${String(intent)}`;
}

export function decidePauseIntent({ sandbox, snapshots }: PauseIntentInput): PauseIntentDecision {
  const generation = sandbox.metadata.generation ?? 0;
  const intent: Intent = sandbox.spec.pause;
  const phase = sandbox.status?.phase;
  const fresh = generation > (sandbox.status?.pauseObservedGeneration ?? 0);
  const phaseText = phase ?? 'unset';

  if (sandbox.metadata.deletionTimestamp) return { action: 'none', why: 'sandbox is being deleted' };

  if (phase === 'Pausing') {
    if (intent === false && fresh) return { action: 'cancelPause', generation };
    // The run wrote Pausing with its generation acknowledged (pauseStarted).
    return { action: 'ensurePause', generation: sandbox.status?.pauseObservedGeneration ?? generation, why: 'pause in progress' };
  }
  if (phase === 'Resuming') {
    return { action: 'none', why: intent === true && fresh ? 'pause waits for the resume in progress' : 'resume in progress' };
  }
  if (!fresh) return { action: 'none', why: 'intent already acknowledged' };
  if (intent === undefined) return { action: 'acknowledge', generation, why: 'no intent' };

  if (intent) {
    if (phase === 'Paused') return { action: 'acknowledge', generation, why: 'already paused' };
    if (phase !== 'Succeed') {
      return {
        action: 'reject',
        generation,
        condition: 'PauseFailed',
        reason: 'NotRunning',
        message: `pause needs a running sandbox (phase Succeed); phase is ${phaseText}`,
      };
    }
    if (sandbox.spec.replicas < 1) {
      return {
        action: 'reject',
        generation,
        condition: 'PauseFailed',
        reason: 'UnsupportedReplicas',
        message: `pause needs at least one replica; got spec.replicas=${sandbox.spec.replicas}`,
      };
    }
    return { action: 'startPause', generation };
  }

  if (phase === 'Succeed') return { action: 'acknowledge', generation, why: `already running (${describeIntent(intent)})` };
  if (phase !== 'Paused') {
    return {
      action: 'reject',
      generation,
      condition: 'ResumeFailed',
      reason: 'NotPaused',
      message: `resume needs a paused sandbox (phase Paused); phase is ${phaseText}`,
    };
  }
  const restore = selectResumeSources(sandbox, snapshots);
  if (!restore.ok) {
    return { action: 'reject', generation, condition: 'ResumeFailed', reason: restore.reason, message: restore.message };
  }
  return { action: 'startResume', generation };
}
