// SandboxSnapshot status transitions (spec §6.6): Pending -> Committing -> Succeed | Failed, from the
// old status, an event and the clock. Succeed and Failed are terminal: no event moves a snapshot out of
// them (a late or repeated event changes nothing). Conditions: Succeed => Ready=True (SnapshotReady),
// Failed => Failed=True (reason, message), none otherwise; True-only storage as everywhere.
import type { SandboxSnapshot, SandboxSnapshotStatus } from '../../api/v1alpha1/sandbox-snapshot.js';
import { sandboxSnapshotConditionTypeSchema, type SandboxSnapshotPhase } from '../../api/v1alpha1/conditions.js';
import type { CommitResult, CommitTarget } from './commit-job.js';
import { withCondition } from '../sandbox/condition-list.js';

export type SnapshotEvent =
  /** A new generation is seen: observedGeneration follows it; an unset phase becomes Pending. */
  | { type: 'acknowledged' }
  /** The source and planned images are known (persisted before the Job is created, or with its creation). */
  | { type: 'planned'; target: CommitTarget }
  /** The commit Job exists. */
  | { type: 'committing' }
  /** The commit Job succeeded with this result: digests recorded, images as pushed. */
  | { type: 'committed'; result: CommitResult }
  | { type: 'failed'; reason: string; message: string };

const ORDER = sandboxSnapshotConditionTypeSchema.options;
const TERMINAL: ReadonlySet<SandboxSnapshotPhase | undefined> = new Set(['Succeed', 'Failed']);

export function isTerminalSnapshot(snapshot: SandboxSnapshot): boolean {
  return TERMINAL.has(snapshot.status?.phase);
}

export function nextSnapshotStatus(snapshot: SandboxSnapshot, event: SnapshotEvent, now: Date): SandboxSnapshotStatus {
  const old: SandboxSnapshotStatus = snapshot.status ?? {};
  const generation = snapshot.metadata.generation;
  if (event.type === 'acknowledged') {
    return {
      ...old,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      phase: old.phase ?? 'Pending',
    };
  }
  if (TERMINAL.has(old.phase)) return old;
  switch (event.type) {
    case 'planned':
      return {
        ...old,
        phase: 'Pending',
        sourcePodName: event.target.podName,
        sourceNodeName: event.target.nodeName,
        containers: event.target.containers.map((c) => ({ containerName: c.containerName, imageUri: c.imageUri })),
      };
    case 'committing':
      return { ...old, phase: 'Committing' };
    case 'committed': {
      const byName = new Map(event.result.containers.map((c) => [c.name, c] as const));
      const planned = old.containers ?? event.result.containers.map((c) => ({ containerName: c.name, imageUri: c.image }));
      return {
        ...old,
        phase: 'Succeed',
        containers: planned.map((c) => {
          const pushed = byName.get(c.containerName);
          return pushed ? { containerName: c.containerName, imageUri: pushed.image, imageDigest: pushed.digest } : c;
        }),
        conditions: withCondition(old.conditions ?? [], { type: 'Ready', reason: 'SnapshotReady', message: 'Snapshot is ready' }, now, ORDER).filter(
          (c) => c.type !== 'Failed',
        ),
      };
    }
    case 'failed':
      return {
        ...old,
        phase: 'Failed',
        conditions: withCondition(old.conditions ?? [], { type: 'Failed', reason: event.reason, message: event.message }, now, ORDER).filter(
          (c) => c.type !== 'Ready',
        ),
      };
  }
}
