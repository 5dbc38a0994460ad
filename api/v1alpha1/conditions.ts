// Status conditions and phases of BatchSandbox and SandboxSnapshot, and the Pool's conditions.
//
// Storage rule shared with the upstream operator and relied on by the OpenSandbox server: only conditions
// whose status is "True" are stored; setting a condition to "False" removes it from the list, so "absent"
// means false. The schema still accepts "False" because the CRD enum does (objects written by other
// clients must keep parsing).
import { z } from 'zod';
import { dateTimeSchema } from './formats.js';

export const conditionStatusSchema = z.enum(['True', 'False']);

/** Aggregated BatchSandbox phase. "Succeed" means running (the server matches this exact string). */
export const batchSandboxPhaseSchema = z.enum(['Pending', 'Succeed', 'Pausing', 'Paused', 'Resuming', 'Failed']);
export type BatchSandboxPhase = z.infer<typeof batchSandboxPhaseSchema>;

/** The server reads PodFailed, ResumeFailed and PauseFailed (in that order) to explain phase Failed. */
export const batchSandboxConditionTypeSchema = z.enum(['Ready', 'Progressing', 'Paused', 'PauseFailed', 'ResumeFailed', 'PodFailed']);
export type BatchSandboxConditionType = z.infer<typeof batchSandboxConditionTypeSchema>;

/** SandboxSnapshot phase; Succeed and Failed are terminal. */
export const sandboxSnapshotPhaseSchema = z.enum(['Pending', 'Committing', 'Succeed', 'Failed']);
export type SandboxSnapshotPhase = z.infer<typeof sandboxSnapshotPhaseSchema>;

export const sandboxSnapshotConditionTypeSchema = z.enum(['Ready', 'Failed']);
export type SandboxSnapshotConditionType = z.infer<typeof sandboxSnapshotConditionTypeSchema>;

function conditionSchema<T extends z.ZodType<string>>(type: T) {
  return z.object({
    type,
    status: conditionStatusSchema,
    reason: z.string().optional(),
    message: z.string().optional(),
    lastTransitionTime: dateTimeSchema.optional(),
  });
}

/** The CRDs declare conditions as a list-map keyed by type, so the apiserver refuses duplicate types. */
function rejectDuplicateTypes(conditions: readonly { type: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  conditions.forEach((condition, index) => {
    if (seen.has(condition.type)) {
      ctx.addIssue({ code: 'custom', path: [index, 'type'], message: `duplicate condition type ${condition.type}` });
    }
    seen.add(condition.type);
  });
}

export const batchSandboxConditionSchema = conditionSchema(batchSandboxConditionTypeSchema);
export type BatchSandboxCondition = z.infer<typeof batchSandboxConditionSchema>;
export const batchSandboxConditionsSchema = z.array(batchSandboxConditionSchema).superRefine(rejectDuplicateTypes);

export const sandboxSnapshotConditionSchema = conditionSchema(sandboxSnapshotConditionTypeSchema);
export type SandboxSnapshotCondition = z.infer<typeof sandboxSnapshotConditionSchema>;
export const sandboxSnapshotConditionsSchema = z.array(sandboxSnapshotConditionSchema).superRefine(rejectDuplicateTypes);

/**
 * ReplicaFailure (beyond upstream, as a Deployment has it): the apiserver refuses the Pool's pods for
 * good; reason FailedCreate, message its answer.
 */
export const poolConditionTypeSchema = z.enum(['ReplicaFailure']);
export const poolConditionSchema = conditionSchema(poolConditionTypeSchema);
export type PoolCondition = z.infer<typeof poolConditionSchema>;
export const poolConditionsSchema = z.array(poolConditionSchema).superRefine(rejectDuplicateTypes);
