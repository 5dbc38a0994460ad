// The internal pause SandboxSnapshot of one replica (spec §6.1, §6.3): `<bs>-pause` (replica 0) controlled
// by the BatchSandbox, annotated with the generation whose pause it belongs to, and what a pause does
// with the one it finds.
//
// Upstream deletes and recreates the snapshot whenever a pause starts, even while Paused, which loses
// the only restore point (spec §10 R1). Here a pause starts only from Succeed (planners/lifecycle/pause-intent.ts),
// so a snapshot found then is either this pause's own (a retried step: keep it and carry on) or left over
// from an earlier operation of a sandbox that is running again, whose pods are newer than the snapshot.
// Only the latter is replaced. While Paused, nothing replaces or deletes a snapshot; resume deletes it only
// once the resumed pods are Ready.
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { API_VERSION, BATCH_SANDBOX, SANDBOX_SNAPSHOT } from '../../api/v1alpha1/group.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { controllerReference } from '../kube/controller-reference.js';
import { isPauseSnapshot, pauseSnapshotName } from './snapshot-names.js';
import { controllerOf } from '../kube/pod-state.js';

/** What a pause snapshot needs of its sandbox: name and namespace (its own), UID (its owner). */
export interface SandboxIdentity {
  metadata: { name: string; namespace?: string; uid?: string };
}

/** The pause snapshot of replica `index` for the pause of `generation`. */
export function buildPauseSnapshot(sandbox: SandboxIdentity, index: number, generation: number): SandboxSnapshot {
  return {
    apiVersion: API_VERSION,
    kind: SANDBOX_SNAPSHOT.kind,
    metadata: {
      name: pauseSnapshotName(sandbox.metadata.name, index),
      namespace: sandbox.metadata.namespace,
      annotations: { [ANNOTATIONS.pauseGeneration]: String(generation) },
      ownerReferences: [{ ...controllerReference(BATCH_SANDBOX.kind, sandbox.metadata) }],
    },
    spec: { sandboxName: sandbox.metadata.name },
  };
}

/** The pause generation a snapshot was created for, if it says. */
export function pauseGenerationOf(snapshot: SandboxSnapshot): number | undefined {
  const value = snapshot.metadata.annotations?.[ANNOTATIONS.pauseGeneration];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

export type PauseSnapshotAction =
  /** No snapshot: create it. */
  | { action: 'create' }
  /** This pause's own snapshot (a retried step): wait for it, whatever its phase. */
  | { action: 'use' }
  /** Another operation's snapshot, or another sandbox's of the same name: delete it, then create. */
  | { action: 'replace'; why: string };

/** What the pause of `generation` does with the snapshot of its replica that it found (if any). */
export function pauseSnapshotAction(sandbox: SandboxIdentity, generation: number, existing: SandboxSnapshot | undefined): PauseSnapshotAction {
  if (existing === undefined) return { action: 'create' };
  const uid = sandbox.metadata.uid;
  const ours = uid !== undefined && controllerOf(existing)?.uid === uid;
  if (!ours) return { action: 'replace', why: 'it belongs to an earlier sandbox of the same name' };
  const snapshotGeneration = pauseGenerationOf(existing);
  if (snapshotGeneration === generation) return { action: 'use' };
  return {
    action: 'replace',
    why: `it is left from the pause of generation ${snapshotGeneration ?? 'unknown'} (phase ${existing.status?.phase ?? 'unset'})`,
  };
}

/**
 * The pause snapshots a resume of `resumeGeneration` retires once its pods are Ready: the sandbox's own,
 * from pauses before that generation. Not a newer pause's: the client may pause again the moment it sees
 * the sandbox running, before (or, after a retried step, long before) the resume's cleanup runs.
 */
export function snapshotsRetiredByResume(snapshots: readonly SandboxSnapshot[], sandboxUid: string, resumeGeneration: number): SandboxSnapshot[] {
  return snapshots.filter((s) => isPauseSnapshot(s) && controllerOf(s)?.uid === sandboxUid && (pauseGenerationOf(s) ?? 0) < resumeGeneration);
}
