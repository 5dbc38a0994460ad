// An Event a planner decided on, for an activity to record as is; and the subjects planners name.
import { API_VERSION, BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import type { InvolvedObject, Occurrence } from '../../kernel/events.js';

export type PlannedEvent = Occurrence;

/** A BatchSandbox by reference, as an Event's subject: no read needed. */
export function sandboxSubject({ namespace, name, uid }: { namespace: string; name: string; uid: string }): InvolvedObject {
  return { apiVersion: API_VERSION, kind: BATCH_SANDBOX.kind, metadata: { name, namespace, uid } };
}
