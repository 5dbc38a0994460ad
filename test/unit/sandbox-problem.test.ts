// What keeps a pooled sandbox from being served, and how it is written onto its status.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import { pooledSandboxProblem, withSandboxProblem } from '../../planners/sandbox/sandbox-problem.js';

const NOW = new Date('2026-01-01T00:00:10.500Z');
const base = { namespace: 'ns', poolRef: 'pool' };
const counters = { replicas: 1, allocated: 1, ready: 1, taskRunning: 0, taskSucceed: 0, taskFailed: 0, taskPending: 0, taskUnknown: 0 };
const ready = {
  type: 'Ready' as const,
  status: 'True' as const,
  reason: 'PodsReady',
  message: 'Sandbox is running',
  lastTransitionTime: '2025-12-31T00:00:00Z',
};

describe('pooledSandboxProblem', () => {
  it.each([
    { name: 'none when the pool exists and the annotations parse', poolExists: true, malformed: undefined, reason: undefined },
    { name: 'PoolNotFound when the pool is missing', poolExists: false, malformed: undefined, reason: 'PoolNotFound' },
    { name: 'a malformed annotation wins over a missing pool', poolExists: false, malformed: 'x: not JSON', reason: 'AllocationAnnotationInvalid' },
    { name: 'a malformed annotation with the pool there', poolExists: true, malformed: 'x: not JSON', reason: 'AllocationAnnotationInvalid' },
  ])('$name', ({ poolExists, malformed, reason }) => {
    const problem = pooledSandboxProblem({ ...base, poolExists, malformedAnnotation: malformed });
    expect(problem?.reason).toBe(reason);
    if (problem) expect(problem.type).toBe('Progressing');
  });

  it('says a sandbox waits on a Pool that cannot create pods, only while it waits for pods', () => {
    const refusing = { ...base, poolExists: true, malformedAnnotation: undefined, poolReplicaFailure: 'pool pods cannot be created: quota exceeded' };
    expect(pooledSandboxProblem({ ...refusing, waitingForPods: true })).toEqual({
      type: 'Progressing',
      reason: 'PoolCannotCreatePods',
      message: 'Pool ns/pool cannot create pods (pool pods cannot be created: quota exceeded); the sandbox is served once it can',
    });
    expect(pooledSandboxProblem({ ...refusing, waitingForPods: false })).toBeUndefined();
  });

  it('names the pool, or the annotation and what is wrong with it', () => {
    expect(pooledSandboxProblem({ ...base, poolExists: false, malformedAnnotation: undefined })?.message).toBe(
      'Pool ns/pool does not exist; the sandbox is served once it does',
    );
    expect(pooledSandboxProblem({ ...base, poolExists: true, malformedAnnotation: 'a/b: not JSON' })?.message).toMatch(/^a\/b: not JSON; /);
  });
});

describe('withSandboxProblem', () => {
  const problem = pooledSandboxProblem({ ...base, poolExists: false, malformedAnnotation: undefined })!;

  it('gives a sandbox without status a Pending one carrying the problem', () => {
    expect(withSandboxProblem(undefined, problem, NOW)).toEqual({
      ...counters,
      replicas: 0,
      allocated: 0,
      ready: 0,
      phase: 'Pending',
      conditions: [{ type: 'Progressing', status: 'True', reason: 'PoolNotFound', message: problem.message, lastTransitionTime: '2026-01-01T00:00:10Z' }],
    });
  });

  it('writes nothing for a sandbox without status and without a problem', () => {
    expect(withSandboxProblem(undefined, undefined, NOW)).toBeUndefined();
  });

  it('adds the problem beside other conditions, in storage order, and keeps its time while it stays the same', () => {
    const status: BatchSandboxStatus = { ...counters, phase: 'Succeed', conditions: [ready] };
    const once = withSandboxProblem(status, problem, NOW)!;
    expect(once.conditions?.map((c) => c.type)).toEqual(['Ready', 'Progressing']);
    const later = withSandboxProblem(once, problem, new Date('2026-01-02T00:00:00Z'))!;
    expect(later.conditions).toEqual(once.conditions);
  });

  it('replaces the Creating Progressing condition, and removes only problem conditions once the problem is gone', () => {
    const creating = { type: 'Progressing' as const, status: 'True' as const, reason: 'Creating', message: 'Sandbox is being created' };
    const withProblem = withSandboxProblem({ ...counters, phase: 'Pending', conditions: [creating] }, problem, NOW)!;
    expect(withProblem.conditions).toEqual([expect.objectContaining({ reason: 'PoolNotFound' })]);
    expect(withSandboxProblem(withProblem, undefined, NOW)!.conditions).toEqual([]);
    const healthy: BatchSandboxStatus = { ...counters, phase: 'Pending', conditions: [creating] };
    expect(withSandboxProblem(healthy, undefined, NOW)).toEqual(healthy);
  });
});
