// Whether a pause or resume workflow started for `generation` still applies to the latest sandbox (ADR
// 0004: the first step re-checks what the dispatcher saw). It proceeds when the dispatch decision is still
// to start this very operation for this generation, or when the phase shows that this operation has
// already started: a retried first step. pauseStarted acknowledges the generation, so a retried pause is
// recognised by pauseObservedGeneration; resumeStarted does not acknowledge (the resume's template rewrite
// bumps the generation), so Resuming alone marks a retried resume: only one resume runs at a time.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { decidePauseIntent } from './pause-intent.js';

export type LifecycleOperationKind = 'pause' | 'resume';

/** Whether a workflow's operation still applies to the latest object. */
export type StepGate = { proceed: true } | { proceed: false; why: string };

export function lifecycleGate(operation: LifecycleOperationKind, sandbox: BatchSandbox, snapshots: readonly SandboxSnapshot[], generation: number): StepGate {
  if (sandbox.metadata.deletionTimestamp) return { proceed: false, why: 'sandbox is being deleted' };
  const phase = sandbox.status?.phase;
  if (operation === 'pause' && phase === 'Pausing' && sandbox.status?.pauseObservedGeneration === generation) return { proceed: true };
  if (operation === 'resume' && phase === 'Resuming') return { proceed: true };
  const decision = decidePauseIntent({ sandbox, snapshots });
  const start = operation === 'pause' ? 'startPause' : 'startResume';
  if (decision.action === start && decision.generation === generation) return { proceed: true };
  const now = 'generation' in decision ? `${decision.action} for generation ${decision.generation}` : `${decision.action} (${decision.why})`;
  return { proceed: false, why: `the ${operation} of generation ${generation} no longer applies: the sandbox now asks for ${now}` };
}
