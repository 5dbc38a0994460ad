// Builder for the sandbox view a pool round plans with (planners/pool-observation.ts).
import type { SandboxView } from '../../planners/pool-observation.js';

export function sandboxView(name: string, overrides: Partial<SandboxView> = {}): SandboxView {
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
    status: undefined,
    malformed: undefined,
    ...overrides,
  };
}

