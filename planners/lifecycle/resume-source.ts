// Which snapshot restores which replica on resume: the internal pause snapshot of each replica index
// (`<bs>-pause`, `<bs>-pause-1`, ...) controlled by this very sandbox (UID), and it must have succeeded.
// The reasons are upstream's (spec §6.4): SnapshotNotFound / SnapshotNotReady; a snapshot that succeeded
// without any container image is refused too, since resuming from it would run the old images.
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { ContainerSnapshot, SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { pauseSnapshotName } from './snapshot-names.js';
import { controllerOf } from '../kube/pod-state.js';

export interface ReplicaRestore {
  index: number;
  snapshotName: string;
  containers: ContainerSnapshot[];
}

/** Why the snapshots cannot restore the sandbox: depends on the snapshots seen, nothing else. */
export const RESUME_SOURCE_REFUSALS = ['SnapshotNotFound', 'SnapshotNotReady'] as const;

export type ResumeSourceResult = { ok: true; restores: ReplicaRestore[] } | { ok: false; reason: (typeof RESUME_SOURCE_REFUSALS)[number]; message: string };

function controlledBy(snapshot: SandboxSnapshot, sandbox: BatchSandbox): boolean {
  const uid = sandbox.metadata.uid;
  return uid !== undefined && controllerOf(snapshot)?.uid === uid;
}

/** The restore of every replica in 0..spec.replicas-1, or the first reason one of them is missing. */
export function selectResumeSources(sandbox: BatchSandbox, snapshots: readonly SandboxSnapshot[]): ResumeSourceResult {
  const restores: ReplicaRestore[] = [];
  for (let index = 0; index < sandbox.spec.replicas; index++) {
    const name = pauseSnapshotName(sandbox.metadata.name, index);
    const snapshot = snapshots.find((s) => s.metadata.name === name && controlledBy(s, sandbox));
    if (snapshot === undefined) {
      return { ok: false, reason: 'SnapshotNotFound', message: `SandboxSnapshot ${name} not found` };
    }
    const phase = snapshot.status?.phase;
    if (phase !== 'Succeed') {
      return { ok: false, reason: 'SnapshotNotReady', message: `snapshot ${name} not ready: phase=${phase ?? ''}` };
    }
    const containers = snapshot.status?.containers ?? [];
    if (containers.length === 0) {
      return { ok: false, reason: 'SnapshotNotReady', message: `snapshot ${name} succeeded without any container image` };
    }
    restores.push({ index, snapshotName: name, containers });
  }
  return { ok: true, restores };
}
