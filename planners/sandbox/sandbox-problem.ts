// What keeps a BatchSandbox from being served, reported on the sandbox (upstream has nothing: a missing
// pool only logs, a malformed annotation exits the operator, spec §4.4, and a pod the apiserver refuses
// only makes Events). The wire contract has a fixed set of condition types (server-integration §6), so a
// problem is the Progressing condition with a reason of its own:
//   PoolNotFound                 spec.poolRef names no Pool in the namespace; served once one appears.
//   AllocationAnnotationInvalid  alloc-status / alloc-release / alloc-released does not parse; the pool
//                                workflow leaves the sandbox's pods alone (it cannot tell which they are)
//                                until the annotation is fixed.
//   FailedCreate                 the apiserver refuses the non-pooled sandbox's pod for good (an invalid
//                                template, a quota): retried slowly, cleared once a pod is created.
//   InvalidSpec                  the spec breaks a rule the CRD schema cannot express (the operator's own
//                                validation); nothing is done for it until the spec is fixed.
//   NoEligiblePool               `poolRef: "*"` and no Pool in the namespace fits; assigned once one does.
//   PoolCannotCreatePods         the sandbox waits for pods its Pool cannot create (the Pool's ReplicaFailure:
//                                a template the apiserver refuses, a quota); served once the Pool can.
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { formatTime, sortConditions, ZERO_COUNTERS, type ConditionInput } from './batch-sandbox-status.js';

export const SANDBOX_PROBLEM_REASONS = [
  'PoolNotFound',
  'AllocationAnnotationInvalid',
  'FailedCreate',
  'InvalidSpec',
  'NoEligiblePool',
  'PoolCannotCreatePods',
] as const;
export type SandboxProblemReason = (typeof SANDBOX_PROBLEM_REASONS)[number];

export interface SandboxProblem extends ConditionInput {
  type: 'Progressing';
  reason: SandboxProblemReason;
}

export interface PooledSandboxProblemInput {
  namespace: string;
  poolRef: string;
  poolExists: boolean;
  /** Why an allocation annotation does not parse, if one does not. */
  malformedAnnotation: string | undefined;
  /** The Pool's ReplicaFailure message, while it holds. */
  poolReplicaFailure?: string | undefined;
  /** The sandbox has fewer pods than it asks for. */
  waitingForPods?: boolean;
}

/** A malformed annotation wins: it blocks the sandbox even once the pool exists. */
export function pooledSandboxProblem(input: PooledSandboxProblemInput): SandboxProblem | undefined {
  if (input.malformedAnnotation !== undefined) {
    return {
      type: 'Progressing',
      reason: 'AllocationAnnotationInvalid',
      message: `${input.malformedAnnotation}; the sandbox's pods are left as they are until the annotation is fixed`,
    };
  }
  if (!input.poolExists) {
    return {
      type: 'Progressing',
      reason: 'PoolNotFound',
      message: `Pool ${input.namespace}/${input.poolRef} does not exist; the sandbox is served once it does`,
    };
  }
  if (input.waitingForPods && input.poolReplicaFailure !== undefined) {
    return {
      type: 'Progressing',
      reason: 'PoolCannotCreatePods',
      message: `Pool ${input.namespace}/${input.poolRef} cannot create pods (${input.poolReplicaFailure}); the sandbox is served once it can`,
    };
  }
  return undefined;
}

/** A pod of a non-pooled sandbox the apiserver refused (apiErrorMessage of its answer). */
export function podCreateProblem(pod: string, refusal: string): SandboxProblem {
  return { type: 'Progressing', reason: 'FailedCreate', message: `pod ${pod} cannot be created: ${refusal}` };
}

/** A spec the operator's validation refuses (`field: why`). */
export function invalidSpecProblem(issue: string): SandboxProblem {
  return { type: 'Progressing', reason: 'InvalidSpec', message: `${issue}; the sandbox is served once the spec is fixed` };
}

/** `poolRef: "*"` and no Pool that fits (the chooser's explanation). */
export function noEligiblePoolProblem(message: string): SandboxProblem {
  return { type: 'Progressing', reason: 'NoEligiblePool', message: `${message}; assigned once a Pool fits` };
}

function isProblem(condition: { type: string; reason?: string }): boolean {
  return condition.type === 'Progressing' && (SANDBOX_PROBLEM_REASONS as readonly string[]).includes(condition.reason ?? '');
}

/**
 * `status` carrying `problem` (lastTransitionTime kept when nothing changed), or without any problem
 * condition when there is none. A sandbox with no status yet gets a Pending one, so the condition has a
 * place to live; with no status and no problem there is nothing to write (undefined).
 */
export function withSandboxProblem(status: BatchSandboxStatus | undefined, problem: SandboxProblem | undefined, now: Date): BatchSandboxStatus | undefined {
  if (status === undefined && problem === undefined) return undefined;
  const base: BatchSandboxStatus = status ?? { ...ZERO_COUNTERS, phase: 'Pending' };
  const conditions = base.conditions ?? [];
  if (problem === undefined) return { ...base, conditions: conditions.filter((c) => !isProblem(c)) };
  const old = conditions.find((c) => c.type === problem.type && c.status === 'True');
  const unchanged = old !== undefined && old.reason === problem.reason && old.message === problem.message;
  const condition = {
    type: problem.type,
    status: 'True' as const,
    reason: problem.reason,
    message: problem.message,
    lastTransitionTime: unchanged && old.lastTransitionTime ? old.lastTransitionTime : formatTime(now),
  };
  return { ...base, conditions: sortConditions([...conditions.filter((c) => c.type !== problem.type), condition]) };
}
