// BatchSandbox: sandbox pods from a pod template (non-pooled) or a warm Pool (pooled). Mirrors
// crds/sandbox.opensandbox.io_batchsandboxes.yaml, including its CEL rules that look at one object.
// The CRD's transition rule (spec.poolRef may only go "*" -> name, or name -> "" / absent) needs the old
// object and is enforced by the apiserver only.
import { z } from 'zod';
import { batchSandboxConditionsSchema, batchSandboxPhaseSchema } from './conditions.js';
import { DNS1123_SUBDOMAIN, dateTimeSchema, int32Schema } from './formats.js';

/** spec.replicas at most (the CRD's maximum): one object must not ask the operator for millions of pods. */
export const MAX_REPLICAS = 10_000;
import { API_VERSION, BATCH_SANDBOX } from './group.js';
import { labelledObjectMetaSchema } from './object-meta.js';
import { podTemplateSchema } from './pod-template.js';
import { taskTemplateSchema } from './task-template.js';

/** poolRef value that asks the operator to choose a Pool. */
export const AUTO_ASSIGN_POOL_REF = '*';

/** "" (non-pooled), "*" (auto-assign) or a Pool name. */
export const poolRefSchema = z
  .string()
  .max(253)
  .refine((ref) => ref === '' || ref === AUTO_ASSIGN_POOL_REF || DNS1123_SUBDOMAIN.test(ref), {
    message: 'must be "", "*" or a Pool name (DNS-1123 subdomain)',
  });

export const taskResourcePolicySchema = z.enum(['Retain', 'Release']);
export type TaskResourcePolicy = z.infer<typeof taskResourcePolicySchema>;

/**
 * A strategic merge patch for one shard (shardPatches: Pod-shaped, shardTaskPatches: taskTemplate-shaped).
 * Untyped on purpose: patches may carry $patch directives and loose scalars, e.g. `args: [3600]` in the
 * upstream sample.
 */
export const shardPatchSchema = z.record(z.string(), z.unknown());
export type ShardPatch = z.infer<typeof shardPatchSchema>;

/** Values the apiserver fills in when they are absent (CRD `default`); the schema itself adds nothing. */
export const BATCH_SANDBOX_SPEC_DEFAULTS = {
  replicas: 1,
  taskResourcePolicyWhenCompleted: 'Retain',
} as const satisfies Partial<BatchSandboxSpec>;

/** True when poolRef names a concrete Pool (not "", not "*"). */
export function namesPool(poolRef: string | undefined): poolRef is string {
  return poolRef !== undefined && poolRef !== '' && poolRef !== AUTO_ASSIGN_POOL_REF;
}

export const batchSandboxSpecSchema = z
  .object({
    replicas: int32Schema.min(0).max(MAX_REPLICAS),
    poolRef: poolRefSchema.optional(),
    template: podTemplateSchema.optional(),
    shardPatches: z.array(shardPatchSchema).optional(),
    expireTime: dateTimeSchema.optional(),
    taskTemplate: taskTemplateSchema.optional(),
    shardTaskPatches: z.array(shardPatchSchema).optional(),
    taskResourcePolicyWhenCompleted: taskResourcePolicySchema.optional(),
    pause: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.template === undefined && (spec.poolRef === undefined || spec.poolRef === '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: 'set spec.template (non-pooled sandbox) or spec.poolRef (pooled sandbox)',
      });
    }
    if (spec.template !== undefined && namesPool(spec.poolRef)) {
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: "spec.template must not be set when spec.poolRef names a pool: pooled sandboxes run the pool's template",
      });
    }
  });
export type BatchSandboxSpec = z.infer<typeof batchSandboxSpecSchema>;

export const batchSandboxStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  replicas: int32Schema,
  allocated: int32Schema,
  ready: int32Schema,
  taskRunning: int32Schema,
  taskSucceed: int32Schema,
  taskFailed: int32Schema,
  taskPending: int32Schema,
  taskUnknown: int32Schema,
  phase: batchSandboxPhaseSchema.optional(),
  pauseObservedGeneration: z.number().int().optional(),
  conditions: batchSandboxConditionsSchema.optional(),
});
export type BatchSandboxStatus = z.infer<typeof batchSandboxStatusSchema>;

export const batchSandboxSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(BATCH_SANDBOX.kind),
  metadata: labelledObjectMetaSchema,
  spec: batchSandboxSpecSchema,
  status: batchSandboxStatusSchema.optional(),
});
export type BatchSandbox = z.infer<typeof batchSandboxSchema>;
