// spec.pause (spec §6, ADR 0004): decidePauseIntent on the sandbox and its pause snapshots starts, cancels
// or acknowledges a pause or resume; the pause and resume workflows own the phase meanwhile. Starting twice
// is harmless (workflow ids carry the generation), and a generation without intent is acknowledged by the
// runtime status write of the steps after this one.
import type { SandboxRef } from '../../api/object-refs.js';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { decidePauseIntent, type PauseIntentDecision } from '../../planners/lifecycle/pause-intent.js';
import { nextPauseStatus, type PauseLifecycleEvent } from '../../planners/lifecycle/pause-status.js';
import { resumeWakeState } from '../../planners/lifecycle/resume-progress.js';
import { RESUME_SOURCE_REFUSALS } from '../../planners/lifecycle/resume-source.js';
import type { LifecycleWorkflows } from '../lifecycle-workflows.js';
import { RetryLater } from '../serial-queue.js';
import { BoundedSet } from './bounded-set.js';
import type { PauseSnapshots } from './pause-snapshots.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';
import { sandboxRefOf } from './sandbox-ref.js';

/** How often a Pausing sandbox's pause run is checked for life (a run terminated or timed out is restarted). */
const PAUSE_RUN_CHECK_MS = 15_000;

const SNAPSHOT_REFUSALS: ReadonlySet<string> = new Set(RESUME_SOURCE_REFUSALS);

export class PauseIntentReconciler implements SandboxReconciler {
  /** Pod state (ready / failed) a resuming sandbox's workflow was last woken for, by sandbox UID. */
  private readonly resumeStates = new Map<string, string>();
  /** UIDs of deleted sandboxes whose operations were cancelled (bounded: forgotten oldest first). */
  private readonly ended = new BoundedSet(4096);

  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly lifecycle: LifecycleWorkflows,
    private readonly snapshots: PauseSnapshots,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    const ref = sandboxRefOf(sandbox);
    if (!ref) return 'continue';
    if (sandbox.spec.pause !== undefined && this.snapshots.hasSynced() === false) {
      // A fresh replica would otherwise answer a resume with SnapshotNotFound from a half-filled cache.
      throw new RetryLater('the SandboxSnapshot cache has not synced yet');
    }
    const decision = await this.confirmedPauseIntent(sandbox);
    const { namespace, name } = ref;
    switch (decision.action) {
      case 'none':
        if (sandbox.status?.phase === 'Resuming') this.wakeResume(ref, sandbox);
        else this.resumeStates.delete(ref.uid);
        return 'continue';
      case 'acknowledge':
        if (sandbox.spec.pause === undefined) return 'continue';
        await this.writePauseStatus(key, sandbox, { type: 'intentAcknowledged' });
        return 'done';
      case 'reject': {
        const { condition, reason, message } = decision;
        await this.writePauseStatus(key, sandbox, { type: 'intentRejected', condition, reason, message });
        this.deps.log.warn({ kind: BATCH_SANDBOX.kind, namespace, name, reason, message }, `${condition}: intent rejected`);
        this.deps.events.record(sandbox, 'Warning', condition, message);
        return 'done';
      }
      case 'startPause':
        await this.lifecycle.startPause(ref, decision.generation);
        return 'done';
      case 'startResume':
        await this.lifecycle.startResume(ref, decision.generation);
        return 'done';
      case 'ensurePause':
        await this.lifecycle.ensurePause(ref, decision.generation);
        // Nothing else wakes a sandbox whose run died: look again after a while.
        this.deps.requeueAfter(key, PAUSE_RUN_CHECK_MS);
        return 'continue';
      case 'cancelPause':
        await this.lifecycle.cancelPause(ref, sandbox.status?.pauseObservedGeneration ?? decision.generation);
        this.deps.log.info({ kind: BATCH_SANDBOX.kind, namespace, name, generation: decision.generation }, 'Cancelling pause: pause=false while Pausing');
        return 'done';
    }
  }

  /** Once per deleted sandbox: its pause/resume runs are cancelled (they would also end on their next step). */
  sandboxDeleted(ref: SandboxRef): void {
    this.resumeStates.delete(ref.uid);
    if (this.ended.has(ref.uid)) return;
    this.ended.add(ref.uid);
    this.lifecycle.sandboxDeleted(ref);
  }

  /**
   * Pod events reach a resuming sandbox here: its resume workflow waits for them. It is woken when its
   * pods come to an end (all Ready, or one failing) or when the paused pod a replica waited on is gone,
   * once per such state: a wake-up while it is still waiting would cost a workflow task, and one that
   * lands as it completes makes the server reject that completion.
   */
  private wakeResume(ref: SandboxRef, sandbox: BatchSandbox): void {
    const state = resumeWakeState(this.deps.pods.owned(sandbox), sandbox.spec.replicas);
    if (state === 'waiting' || this.resumeStates.get(ref.uid) === state) return;
    this.resumeStates.set(ref.uid, state);
    this.lifecycle.sandboxPodsChanged(ref);
  }

  /** decidePauseIntent on the cached snapshots; a resume refused for its snapshots is decided again on the apiserver's. */
  private async confirmedPauseIntent(sandbox: BatchSandbox): Promise<PauseIntentDecision> {
    const cached = decidePauseIntent({ sandbox, snapshots: this.snapshots.cached(sandbox) });
    if (cached.action !== 'reject' || !SNAPSHOT_REFUSALS.has(cached.reason)) return cached;
    return decidePauseIntent({ sandbox, snapshots: await this.snapshots.live(sandbox) });
  }

  private async writePauseStatus(key: string, sandbox: BatchSandbox, event: PauseLifecycleEvent): Promise<void> {
    const status = nextPauseStatus(sandbox, event, this.deps.clock.now());
    await this.deps.writes.patch(key, sandbox, 'status', { metadata: { resourceVersion: sandbox.metadata.resourceVersion }, status });
  }
}
