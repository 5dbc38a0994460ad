// A `Paused` phase no pause wrote. Only the pause run writes Paused, and only after it committed a snapshot
// and released the pods; the snapshot stays until a resume succeeds. So a sandbox that says Paused while it
// has no pause snapshot and still runs pods was never paused: a forged status, or one restored from a
// backup. Left alone it would stick (the phase belongs to the lifecycle runs, and none is running), swallow
// the next pause as "already paused" and fail every resume for want of a snapshot. Its runtime status is
// restored from its pods instead. A real pause whose snapshot was deleted has no pods left: not this case.
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { isTerminating, podName } from '../kube/pod-state.js';

export interface UnbackedPausedPhaseInput {
  sandbox: BatchSandbox;
  /** The sandbox's pause snapshots (any phase). */
  pauseSnapshots: readonly SandboxSnapshot[];
  /** The pods the sandbox holds. */
  pods: readonly V1Pod[];
}

/** Why the Paused phase is not a pause's (the message of the repair's Event), or undefined when it may be. */
export function unbackedPausedPhase({ sandbox, pauseSnapshots, pods }: UnbackedPausedPhaseInput): string | undefined {
  if (sandbox.status?.phase !== 'Paused' || pauseSnapshots.length > 0) return undefined;
  const running = pods.filter((pod) => !isTerminating(pod)).map(podName);
  if (running.length === 0) return undefined;
  return `status.phase was Paused but no pause wrote it: there is no pause snapshot and pods ${running.join(', ')} still run; the phase is restored from the pods`;
}
