// Which pods a pause commits: one source pod per replica index, chosen by who owns the pod now.
//
// Upstream looks in the alloc-status annotation first, which outlives pool detachment; after a pooled
// sandbox was paused and resumed, its old pool pod may serve another sandbox and a later pause would
// commit another tenant's pod (spec §10 R2). Here the mode decides where to look, and every candidate is
// checked against its current owner:
// - non-pooled (poolRef "" or absent, including a detached former pooled sandbox): pods whose controller
//   reference carries this sandbox's UID; alloc-status is never read;
// - pooled: alloc-status minus alloc-release and alloc-released (the pods the sandbox still holds, index
//   = position), each controlled by the Pool (by UID when known), labelled with the Pool's name, and not
//   labelled as serving another sandbox.
// Every source is Running on a node (the commit Job runs there) and not terminating; its UID travels with
// it so later steps can act on exactly that pod (delete preconditions) and not on a namesake.
import type { V1Pod } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, LABELS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import { POOL } from '../../api/v1alpha1/group.js';
import { podIndexOf } from '../sandbox/non-pooled-pods.js';
import { controllerOf, isTerminating, podName } from '../kube/pod-state.js';

export interface PauseSource {
  /** Replica index: the pod-index of a non-pooled pod, the alloc-status position of a pooled one. */
  index: number;
  podName: string;
  podUid: string;
  nodeName: string;
  /** Names of the pod's containers, in pod order: each is committed to its own image. */
  containers: string[];
}

export type PauseSourceResult = { ok: true; sources: PauseSource[] } | { ok: false; reason: 'SourcePodNotFound' | 'MalformedAllocation'; message: string };

export interface PauseSourceInput {
  sandbox: BatchSandbox;
  /** Pods of the sandbox's namespace (or at least every pod that could be one of its pods). */
  pods: readonly V1Pod[];
  /** UID of the Pool spec.poolRef names, when pooled and the Pool is known. */
  poolUid?: string;
}

type Candidate = { pod: V1Pod } | { missing: string };

function toSource(index: number, pod: V1Pod): PauseSource | string {
  const name = podName(pod);
  if (isTerminating(pod)) return `pod ${name} of replica ${index} is terminating`;
  if (pod.status?.phase !== 'Running' || !pod.spec?.nodeName) {
    return `pod ${name} of replica ${index} is not running on a node (phase ${pod.status?.phase ?? 'unknown'})`;
  }
  return {
    index,
    podName: name,
    podUid: pod.metadata?.uid ?? '',
    nodeName: pod.spec.nodeName,
    containers: (pod.spec.containers ?? []).map((c) => c.name),
  };
}

function nonPooledCandidates(sandbox: BatchSandbox, pods: readonly V1Pod[]): Candidate[] {
  const uid = sandbox.metadata.uid;
  const owned = pods.filter((pod) => uid !== undefined && controllerOf(pod)?.uid === uid && !isTerminating(pod));
  return Array.from({ length: sandbox.spec.replicas }, (_, index) => {
    const pod = owned.find((p) => podIndexOf(p) === index);
    return pod ? { pod } : { missing: `no pod of replica ${index} (expected ${sandbox.metadata.name}-${index})` };
  });
}

function allocation(sandbox: BatchSandbox, key: string): string[] {
  const value = sandbox.metadata.annotations?.[key];
  return value === undefined ? [] : parseAllocationAnnotation(value).pods;
}

/** Why `pod` cannot be this pooled sandbox's, or undefined when it is. */
function foreignPooledPod(sandbox: BatchSandbox, pool: string, poolUid: string | undefined, pod: V1Pod): string | undefined {
  const name = podName(pod);
  const owner = controllerOf(pod);
  const ownedByPool = owner?.kind === POOL.kind && (poolUid === undefined ? owner.name === pool : owner.uid === poolUid);
  if (!ownedByPool || pod.metadata?.labels?.[LABELS.poolName] !== pool) {
    return `pod ${name} in alloc-status is not a pod of Pool ${pool}`;
  }
  const servedSandbox = pod.metadata?.labels?.[LABELS.batchSandboxName];
  // The label is written shortly after allocation, so its absence is normal; another name is not.
  if (servedSandbox !== undefined && servedSandbox !== sandbox.metadata.name) {
    return `pod ${name} in alloc-status now serves BatchSandbox ${servedSandbox}`;
  }
  return undefined;
}

function pooledCandidates(input: PauseSourceInput, pool: string): Candidate[] {
  const { sandbox, pods, poolUid } = input;
  const gone = new Set([...allocation(sandbox, ANNOTATIONS.allocRelease), ...allocation(sandbox, ANNOTATIONS.allocReleased)]);
  const held = allocation(sandbox, ANNOTATIONS.allocStatus).filter((name) => !gone.has(name));
  const byName = new Map(pods.map((pod) => [podName(pod), pod] as const));
  return Array.from({ length: sandbox.spec.replicas }, (_, index) => {
    const name = held[index];
    if (name === undefined) return { missing: `no pod allocated for replica ${index}` };
    const pod = byName.get(name);
    if (pod === undefined) return { missing: `pod ${name} of replica ${index} does not exist` };
    const foreign = foreignPooledPod(sandbox, pool, poolUid, pod);
    return foreign === undefined ? { pod } : { missing: foreign };
  });
}

/** The candidate of every replica index; throws when a pooled sandbox's allocation annotation is malformed. */
function candidatesOf(input: PauseSourceInput): Candidate[] {
  const { sandbox } = input;
  return namesPool(sandbox.spec.poolRef) ? pooledCandidates(input, sandbox.spec.poolRef) : nonPooledCandidates(sandbox, input.pods);
}

/**
 * The pods the sandbox holds now by the same ownership rules, whatever their phase, minus terminating
 * ones: whether a failed pause left the sandbox any pod. A malformed allocation annotation holds none.
 */
export function heldPods(input: PauseSourceInput): V1Pod[] {
  let candidates: Candidate[];
  try {
    candidates = candidatesOf(input);
  } catch {
    return [];
  }
  return candidates.flatMap((c) => ('pod' in c && !isTerminating(c.pod) ? [c.pod] : []));
}

/** One source pod per replica, or why the sandbox cannot be committed now. */
export function selectPauseSources(input: PauseSourceInput): PauseSourceResult {
  const { sandbox } = input;
  let candidates: Candidate[];
  try {
    candidates = candidatesOf(input);
  } catch (err) {
    return { ok: false, reason: 'MalformedAllocation', message: `allocation annotation: ${(err as Error).message}` };
  }
  const sources: PauseSource[] = [];
  const problems: string[] = [];
  candidates.forEach((candidate, index) => {
    const source = 'pod' in candidate ? toSource(index, candidate.pod) : candidate.missing;
    if (typeof source === 'string') problems.push(source);
    else sources.push(source);
  });
  if (sandbox.spec.replicas === 0) problems.push('spec.replicas is 0');
  if (problems.length > 0) return { ok: false, reason: 'SourcePodNotFound', message: `source pod not found: ${problems.join('; ')}` };
  return { ok: true, sources };
}
