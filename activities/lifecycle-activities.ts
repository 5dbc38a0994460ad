// The activities of the pause, resume and snapshot workflows (ADR 0004), built from the operator's
// cluster access and snapshot settings. The groups live in pause-steps.ts, snapshot-steps.ts,
// agent-commit-steps.ts and resume-steps.ts; what they share (reads by ref, status writes) in lifecycle-objects.ts. A request the
// apiserver refuses for good fails its step for good (API_REJECTED): the workflow reports it and ends.
import { recordOccurrence } from '../kernel/events.js';
import { lifecycleRejectedEvent } from '../planners/sandbox/rejection-events.js';
import { createAgentCommitActivities } from './agent-commit-steps.js';
import { finalOnAnyRejection } from './api-rejection.js';
import { lifecycleObjects, type LifecycleActivitiesDeps } from './lifecycle-objects.js';
import type { LifecycleActivities } from './lifecycle-activity-types.js';
import { createPauseActivities } from './pause-steps.js';
import { createResumeActivities } from './resume-steps.js';
import { createSnapshotActivities } from './snapshot-steps.js';

export type { LifecycleActivitiesDeps } from './lifecycle-objects.js';

export function createLifecycleActivities({ clients, log, events, settings, now = () => new Date() }: LifecycleActivitiesDeps): LifecycleActivities {
  const ctx = { objects: lifecycleObjects(clients), log, events, settings, now };
  return {
    ...finalOnAnyRejection({
      ...createPauseActivities(ctx),
      ...createSnapshotActivities(ctx),
      ...createAgentCommitActivities(ctx),
      ...createResumeActivities(ctx),
    }),
    async recordRejection(sandbox, operation, step, message) {
      recordOccurrence(events, lifecycleRejectedEvent(sandbox, operation, step, message));
    },
  };
}
