// What keeps a pooled BatchSandbox from being served, reported on the sandbox (upstream has nothing: a
// missing pool only logs, a malformed annotation exits the operator, spec §4.4). The wire contract has a
// fixed set of condition types (server-integration §6), so a problem is the Progressing condition with
// a reason of its own:
//   PoolNotFound                 spec.poolRef names no Pool in the namespace; served once one appears.
//   AllocationAnnotationInvalid  alloc-status / alloc-release / alloc-released does not parse; the pool
//                                workflow leaves the sandbox's pods alone (it cannot tell which they are)
//                                until the annotation is fixed.
import type { BatchSandboxStatus } from '../api/v1alpha1/batch-sandbox.js';
import { formatTime, sortConditions, ZERO_COUNTERS, type ConditionInput } from './batch-sandbox-status.js';

export const POOLED_SANDBOX_PROBLEM_REASONS = ['PoolNotFound', 'AllocationAnnotationInvalid'] as const;
export type PooledSandboxProblemReason = (typeof POOLED_SANDBOX_PROBLEM_REASONS)[number];

export interface PooledSandboxProblem extends ConditionInput {
  type: 'Progressing';
  reason: PooledSandboxProblemReason;
}

export interface PooledSandboxProblemInput {
  namespace: string;
  poolRef: string;
  poolExists: boolean;
  /** Why an allocation annotation does not parse, if one does not. */
  malformedAnnotation: string | undefined;
}

/** A malformed annotation wins: it blocks the sandbox even once the pool exists. */
export function pooledSandboxProblem(input: PooledSandboxProblemInput): PooledSandboxProblem | undefined {
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
  return undefined;
}

function isProblem(condition: { type: string; reason?: string }): boolean {
  return condition.type === 'Progressing' && (POOLED_SANDBOX_PROBLEM_REASONS as readonly string[]).includes(condition.reason ?? '');
}

/**
 * `status` carrying `problem` (lastTransitionTime kept when nothing changed), or without any problem
 * condition when there is none. A sandbox with no status yet gets a Pending one, so the condition has a
 * place to live; with no status and no problem there is nothing to write (undefined).
 */
export function withPooledSandboxProblem(
  status: BatchSandboxStatus | undefined,
  problem: PooledSandboxProblem | undefined,
  now: Date,
): BatchSandboxStatus | undefined {
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
