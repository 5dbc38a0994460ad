// Builder for the sandbox view a pool round plans with (planners/pool/pool-observation.ts).
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import type { SandboxView } from '../../planners/pool/pool-observation.js';

/** The status a finished delivery of `pods` pods writes (all Ready). */
export function deliveredStatus(pods: number): BatchSandboxStatus {
  const tasks = { taskRunning: 0, taskSucceed: 0, taskFailed: 0, taskPending: 0, taskUnknown: 0 };
  return { replicas: pods, allocated: pods, ready: pods, ...tasks, phase: 'Succeed' };
}

/** A view with pods has been delivered (it carries a status) unless `status: undefined` is given. */
export function sandboxView(name: string, overrides: Partial<SandboxView> = {}): SandboxView {
  const allocated = overrides.allocated ?? [];
  return {
    name,
    uid: `uid-${name}`,
    resourceVersion: '1',
    generation: 1,
    createdAt: '2026-01-01T00:00:00Z',
    deleting: false,
    replicas: 1,
    allocated: [],
    releaseRequested: [],
    released: [],
    hasAllocationFinalizer: false,
    finalizers: [],
    status: allocated.length > 0 ? deliveredStatus(allocated.length) : undefined,
    malformed: undefined,
    ...overrides,
  };
}
