// What a Pending SandboxSnapshot commits (spec §6.6 handlePending): the source pod and node, and the
// image every container is committed to; or why the snapshot fails before any Job exists (§8 case 42:
// a snapshot of a missing sandbox fails naming it and creates no Job).
//
// The source comes from planners/lifecycle/pause-source.ts (current ownership, never a stale alloc-status). Internal
// pause snapshots commit the replica their name says; public snapshots (the server's `osb-snap-*`)
// commit replica 0, the server's only one. Containers are the source pod's own: the pod is what runs,
// including containers a shard patch added (upstream reads the template).
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import type { CommitTarget } from './commit-job.js';
import { selectPauseSources, type PauseSource } from './pause-source.js';
import { pauseGenerationOf } from './pause-snapshot.js';
import { isPauseSnapshot, pauseSnapshotIndex, snapshotImageTag, snapshotImageUri } from './snapshot-names.js';
import { sourceNodeProblem, type SourceNodeObservation, type SourceNodeProblem } from './source-node.js';

export interface SnapshotCommitInput {
  snapshot: SandboxSnapshot;
  /** The BatchSandbox spec.sandboxName names; undefined when it does not exist. */
  sandbox: BatchSandbox | undefined;
  /** Pods of the namespace. */
  pods: readonly V1Pod[];
  /** UID of the Pool the sandbox names, when pooled. */
  poolUid?: string;
  /** The snapshot registry (operator setting); '' when not configured. */
  registry: string;
}

export type SnapshotFailureReason = 'RegistryNotConfigured' | 'BatchSandboxLookupFailed' | 'SourcePodNotFound' | 'MalformedAllocation' | 'NoContainers';

export type SnapshotCommitPlan =
  { ok: true; target: CommitTarget } | { ok: false; reason: SnapshotFailureReason | SourceNodeProblem['reason']; message: string };

/** The plan, unless the node it commits on cannot run the commit Job (planners/lifecycle/source-node.ts). */
export function onLiveNode(plan: Extract<SnapshotCommitPlan, { ok: true }>, node: SourceNodeObservation): SnapshotCommitPlan {
  const problem = sourceNodeProblem(plan.target.podName, plan.target.nodeName, node);
  return problem ? { ok: false, ...problem } : plan;
}

const REGISTRY_NOT_CONFIGURED: SnapshotCommitPlan = {
  ok: false,
  reason: 'RegistryNotConfigured',
  message: 'snapshot registry not configured in the operator (--snapshot-registry)',
};

export function planSnapshotCommit({ snapshot, sandbox, pods, poolUid, registry }: SnapshotCommitInput): SnapshotCommitPlan {
  const sandboxName = snapshot.spec.sandboxName;
  if (registry === '') return REGISTRY_NOT_CONFIGURED;
  if (sandbox === undefined) {
    return { ok: false, reason: 'BatchSandboxLookupFailed', message: `failed to get BatchSandbox ${sandboxName}: not found` };
  }
  const internal = isPauseSnapshot(snapshot);
  const index = internal ? (pauseSnapshotIndex(sandboxName, snapshot.metadata.name) ?? 0) : 0;
  const sources = selectPauseSources({ sandbox, pods, ...(poolUid === undefined ? {} : { poolUid }) });
  if (!sources.ok) return sources;
  const source = sources.sources.find((s) => s.index === index);
  if (source === undefined) {
    return { ok: false, reason: 'SourcePodNotFound', message: `source pod not found: BatchSandbox ${sandboxName} has no replica ${index}` };
  }
  return planSourceCommit({ snapshot, source, registry, sandboxGeneration: sandbox.metadata.generation ?? 0 });
}

export interface SourceCommitInput {
  snapshot: SandboxSnapshot;
  /** The pod the snapshot commits, already chosen (a pause chose it when it started). */
  source: PauseSource;
  registry: string;
  /** The sandbox's generation, for a snapshot that does not say which pause it belongs to. */
  sandboxGeneration: number;
}

/** The commit once its source pod is known: every container of the pod to its own image. */
export function planSourceCommit({ snapshot, source, registry, sandboxGeneration }: SourceCommitInput): SnapshotCommitPlan {
  if (registry === '') return REGISTRY_NOT_CONFIGURED;
  if (source.containers.length === 0) {
    return { ok: false, reason: 'NoContainers', message: `pod ${source.podName} has no containers to commit` };
  }
  const sandboxName = snapshot.spec.sandboxName;
  const tag = snapshotImageTag(snapshot, pauseGenerationOf(snapshot) ?? sandboxGeneration, source.index);
  return {
    ok: true,
    target: {
      podName: source.podName,
      nodeName: source.nodeName,
      containers: source.containers.map((containerName) => ({
        containerName,
        imageUri: snapshotImageUri(registry, sandboxName, containerName, tag),
      })),
    },
  };
}
