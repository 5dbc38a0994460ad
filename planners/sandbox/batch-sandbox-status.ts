// The runtime status of a BatchSandbox (spec §2.6): counters, phase, conditions and the endpoints
// annotation, computed from the pods in the sandbox's view. Mode-agnostic: the caller passes the pods in
// view order (non-pooled: by index; pooled: alloc-status order minus alloc-release).
//
// Wire rules kept from upstream: only "True" conditions are stored (absent = False), a condition's
// lastTransitionTime moves only when its status/reason/message change, Failed is sticky, PauseFailed and
// ResumeFailed are never dropped here, and a fresh sandbox has no status until its first pod exists.
// Deliberate differences: endpoints never contain "" (pods without an IP are left out, spec §10 B5); the
// lifecycle phases Pausing/Paused/Resuming are left entirely to the pause/resume workflows, so this
// planner neither moves them nor acknowledges a pause or resume intent (only the absence of one).
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox, BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import {
  batchSandboxConditionTypeSchema,
  type BatchSandboxCondition,
  type BatchSandboxConditionType,
  type BatchSandboxPhase,
} from '../../api/v1alpha1/conditions.js';
import { ANNOTATIONS } from '../../api/v1alpha1/contract.js';
import { parseDateTime } from '../../api/v1alpha1/formats.js';
import { canonicalJson } from '../kube/canonical-json.js';
import { failingReason, isAssigned, isReady, isTerminating, podName } from '../kube/pod-state.js';
import { taskCountersOf } from '../tasks/task-round.js';

/**
 * What the runtime status reads of a pod: the same whether the pod comes from the API (a V1Pod,
 * runtimePodOf) or from a pool round's observation (planners/pool/pool-observation.ts runtimePodOfDigest).
 */
export interface RuntimePod {
  name: string;
  terminating: boolean;
  /** Running and Ready. */
  ready: boolean;
  /** Bound to a node or given an IP. */
  assigned: boolean;
  ip: string | undefined;
  /** The first failing container waiting reason (FAILING_WAIT_REASONS), if any. */
  failing: string | undefined;
}

export function runtimePodOf(pod: V1Pod): RuntimePod {
  return {
    name: podName(pod),
    terminating: isTerminating(pod),
    ready: isReady(pod),
    assigned: isAssigned(pod),
    ip: pod.status?.podIP || undefined,
    failing: failingReason(pod),
  };
}

export interface RuntimeStatusInput<Pod = V1Pod> {
  sandbox: BatchSandbox;
  /** The pods in the sandbox's view, in view order. */
  pods: readonly Pod[];
  now: Date;
}

export interface RuntimeStatus {
  status: BatchSandboxStatus;
  /** Pod IPs in view order; pods without an IP are left out. */
  endpoints: string[];
}

const LIFECYCLE_PHASES: ReadonlySet<BatchSandboxPhase | undefined> = new Set(['Pausing', 'Paused', 'Resuming']);

/** Pausing, Paused, Resuming: the pause/resume workflows own the phase and the pods. */
export function inLifecyclePhase(sandbox: { status?: { phase?: BatchSandboxPhase } }): boolean {
  return LIFECYCLE_PHASES.has(sandbox.status?.phase);
}
/** Owned by the pause/resume flows: kept whatever the pods do. */
const LIFECYCLE_CONDITIONS: readonly BatchSandboxConditionType[] = ['PauseFailed', 'ResumeFailed'];
/** Storage order (the CRD's enum order), so equal statuses serialise alike. */
const CONDITION_ORDER: readonly BatchSandboxConditionType[] = batchSandboxConditionTypeSchema.options;

/** The required status counters of a sandbox with no pods and no tasks. */
export const ZERO_COUNTERS = {
  replicas: 0,
  allocated: 0,
  ready: 0,
  taskRunning: 0,
  taskSucceed: 0,
  taskFailed: 0,
  taskPending: 0,
  taskUnknown: 0,
} as const satisfies Partial<BatchSandboxStatus>;

/** Sorts into storage order, in place. */
export function sortConditions<T extends { type: BatchSandboxConditionType }>(conditions: T[]): T[] {
  return conditions.sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type));
}

/** metav1.Time precision: whole seconds, UTC. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export interface ConditionInput {
  type: BatchSandboxConditionType;
  reason: string;
  message: string;
}

/**
 * PodFailed when a pod in view is failing: the most frequent failing reason, how many failed, a sample.
 * `during` qualifies the failure in the message ("during resume" for ResumeFailed, spec §2.6).
 */
/** PodFailed for API pods (see failedPodsCondition). */
export function podFailedCondition(pods: readonly V1Pod[], during?: string): ConditionInput | undefined {
  return failedPodsCondition(pods.map(runtimePodOf), during);
}

export function failedPodsCondition(pods: readonly RuntimePod[], during?: string): ConditionInput | undefined {
  const failing = pods.flatMap((pod) => (pod.failing === undefined ? [] : [{ pod, reason: pod.failing }]));
  if (failing.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const { reason } of failing) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  // Map iteration is insertion order, so ties go to the reason seen first in view order.
  const primary = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
  const sample = failing.find((f) => f.reason === primary)!.pod.name;
  return {
    type: 'PodFailed',
    reason: primary,
    message: `${failing.length}/${pods.length} observed pods failed${during ? ` ${during}` : ''}; primary reason=${primary}; sample pod=${sample}`,
  };
}

/** The phase and the conditions that follow from it, for sandboxes outside pause/resume (spec §2.6). */
function steadyState(
  oldPhase: BatchSandboxPhase | undefined,
  ready: number,
  podFailed: ConditionInput | undefined,
  existing: ReadonlyMap<BatchSandboxConditionType, BatchSandboxCondition>,
): { phase: BatchSandboxPhase; conditions: (ConditionInput | BatchSandboxCondition)[] } {
  const keep = (types: readonly BatchSandboxConditionType[]) => types.flatMap((type) => existing.get(type) ?? []);
  const kept = keep(LIFECYCLE_CONDITIONS);
  if (oldPhase === 'Failed') {
    // Sticky: a sandbox that failed stays Failed, with the PodFailed it got then.
    return { phase: 'Failed', conditions: [...kept, ...keep(['PodFailed'])] };
  }
  if (podFailed) return { phase: 'Failed', conditions: [...kept, podFailed] };
  if (ready > 0) {
    return {
      phase: 'Succeed',
      conditions: [{ type: 'Ready', reason: 'PodsReady', message: 'Sandbox is running' }, ...kept],
    };
  }
  return {
    phase: 'Pending',
    conditions: [{ type: 'Progressing', reason: 'Creating', message: 'Sandbox is being created' }, ...kept],
  };
}

/** The runtime status of API pods (see runtimeStatus). */
export function computeRuntimeStatus({ sandbox, pods, now }: RuntimeStatusInput): RuntimeStatus {
  return runtimeStatus({ sandbox, pods: pods.map(runtimePodOf), now });
}

export function runtimeStatus({ sandbox, pods, now }: RuntimeStatusInput<RuntimePod>): RuntimeStatus {
  const current = sandbox.status;
  const existing = new Map((current?.conditions ?? []).filter((c) => c.status === 'True').map((c) => [c.type, c] as const));
  const ready = pods.filter((pod) => !pod.terminating && pod.ready).length;
  // A Paused sandbox has released its pods: one still terminating is not its replica any more (the pause
  // writes Paused with zero counters right after the release, and a later runtime write must agree).
  const counted = current?.phase === 'Paused' ? pods.filter((pod) => !pod.terminating) : pods;

  let phase: BatchSandboxPhase | undefined;
  let conditions: BatchSandboxCondition[];
  if (LIFECYCLE_PHASES.has(current?.phase)) {
    phase = current?.phase;
    conditions = [...existing.values()];
  } else {
    const steady = steadyState(current?.phase, ready, failedPodsCondition(pods), existing);
    phase = steady.phase;
    conditions = steady.conditions.map((c) => {
      const old = existing.get(c.type);
      const unchanged = old !== undefined && old.reason === c.reason && old.message === c.message;
      return {
        type: c.type,
        status: 'True',
        reason: c.reason,
        message: c.message,
        lastTransitionTime: unchanged && old.lastTransitionTime ? old.lastTransitionTime : formatTime(now),
      };
    });
  }
  sortConditions(conditions);

  const status: BatchSandboxStatus = {
    ...ZERO_COUNTERS,
    // The task counters belong to the tasks workflow (ADR 0005), which writes only them: carried over.
    ...taskCountersOf(current),
    replicas: counted.length,
    allocated: counted.filter((pod) => pod.assigned).length,
    ready,
    phase,
    conditions,
  };
  if (sandbox.metadata.generation !== undefined) status.observedGeneration = sandbox.metadata.generation;
  if (current?.pauseObservedGeneration !== undefined) status.pauseObservedGeneration = current.pauseObservedGeneration;
  // A generation without a pause intent needs nothing but its acknowledgement (decidePauseIntent's 'no
  // intent'); it rides along with the runtime status, as upstream's normal flow does, instead of a write of its own.
  if (sandbox.spec.pause === undefined && !inLifecyclePhase(sandbox) && sandbox.metadata.generation !== undefined) {
    status.pauseObservedGeneration = sandbox.metadata.generation;
  }
  const endpoints = counted.flatMap((pod) => (pod.ip ? [pod.ip] : []));
  return { status, endpoints };
}

type ComparableCondition = Omit<BatchSandboxCondition, 'lastTransitionTime'> & { lastTransitionTime?: number };

function comparable(status: BatchSandboxStatus): unknown {
  const conditions: ComparableCondition[] = (status.conditions ?? [])
    .map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason ?? '',
      message: c.message ?? '',
      lastTransitionTime: c.lastTransitionTime === undefined ? undefined : parseDateTime(c.lastTransitionTime),
    }))
    .sort((a, b) => a.type.localeCompare(b.type));
  return { ...status, conditions };
}

/** Semantic equality: conditions in any order, absent list = empty list, times compared as instants. */
export function sameStatus(a: BatchSandboxStatus | undefined, b: BatchSandboxStatus | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  // Key order is the apiserver's on one side and ours on the other; absent and undefined fields are alike.
  return canonicalJson(comparable(a)) === canonicalJson(comparable(b));
}

/**
 * Whether `computed` must be written: it differs from the stored status, and this is not the initial
 * unallocated state (no status yet, no pod in view, replicas wanted), in which nothing is written.
 */
export function statusPatchNeeded(sandbox: BatchSandbox, computed: BatchSandboxStatus, reportsProblem = false): boolean {
  // A status with nothing to say is not written before the first pod exists; one reporting a problem is.
  const initialUnallocated = !reportsProblem && sandbox.status?.phase === undefined && computed.replicas === 0 && sandbox.spec.replicas > 0;
  return !initialUnallocated && !sameStatus(sandbox.status, computed);
}

/**
 * The endpoints annotation value to write, or undefined when no write is needed: it already holds these
 * IPs, or it does not exist yet and there is no IP (a new sandbox gets the key with its first IP; an
 * existing key is cleared to `[]` when the pods go, e.g. on pause).
 */
export function endpointsPatchValue(sandbox: BatchSandbox, endpoints: readonly string[]): string | undefined {
  const current = sandbox.metadata.annotations?.[ANNOTATIONS.endpoints];
  const value = JSON.stringify(endpoints);
  if (current === value || (current === undefined && endpoints.length === 0)) return undefined;
  return value;
}
