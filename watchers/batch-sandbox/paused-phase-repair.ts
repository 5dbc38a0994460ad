// A Paused phase no pause wrote (planners/lifecycle/unbacked-paused-phase.ts) gets the runtime status of
// the pods the sandbox runs, and a Warning Event. The repair overwrites a phase, so the absence of the
// pause snapshot the cache shows is confirmed on the apiserver first.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { EVENT_REASONS } from '../../kernel/events.js';
import { unbackedPausedPhase } from '../../planners/lifecycle/unbacked-paused-phase.js';
import type { PauseSnapshots } from './pause-snapshots.js';
import type { SandboxReconciler, SandboxReconcilerDeps, StepOutcome } from './sandbox-reconciler.js';

export class PausedPhaseRepair implements SandboxReconciler {
  constructor(
    private readonly deps: SandboxReconcilerDeps,
    private readonly snapshots: PauseSnapshots,
  ) {}

  async reconcile(key: string, sandbox: BatchSandbox): Promise<StepOutcome> {
    if (sandbox.status?.phase !== 'Paused' || !this.snapshots.hasSynced()) return 'continue';
    const pods = this.deps.pods.of(sandbox);
    const unbacked = (pauseSnapshots: SandboxSnapshot[]) => unbackedPausedPhase({ sandbox, pauseSnapshots, pods });
    const why = unbacked(this.snapshots.cached(sandbox)) && unbacked(await this.snapshots.live(sandbox));
    if (why === undefined) return 'continue';
    const { namespace, name } = sandbox.metadata;
    this.deps.log.warn({ kind: BATCH_SANDBOX.kind, namespace, name }, why);
    this.deps.events.record(sandbox, 'Warning', EVENT_REASONS.PausedPhaseRepaired, why);
    await this.deps.writes.runtimeStatus(key, { ...sandbox, status: { ...sandbox.status, phase: undefined } }, pods);
    return 'done';
  }
}
