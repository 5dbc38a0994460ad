// Pool: a warm buffer of pods from one template, allocated to pooled BatchSandboxes. Mirrors
// crds/sandbox.opensandbox.io_pools.yaml, including its CEL rules.
import { z } from 'zod';
import { poolConditionsSchema } from './conditions.js';
import { int32Schema } from './formats.js';
import { API_VERSION, POOL } from './group.js';
import { intOrPercentSchema } from './int-or-percent.js';
import { labelledObjectMetaSchema } from './object-meta.js';
import { podTemplateSchema } from './pod-template.js';

/** A capacity count at most (the CRD's maximum): one Pool must not ask for millions of pods. */
export const MAX_POOL_PODS = 100_000;

const count = int32Schema.min(0).max(MAX_POOL_PODS);

export const capacitySpecSchema = z
  .object({
    bufferMax: count,
    bufferMin: count,
    poolMax: count,
    poolMin: count,
  })
  .superRefine((capacity, ctx) => {
    const atMost = (min: 'bufferMin' | 'poolMin', max: 'bufferMax' | 'poolMax') => {
      if (capacity[min] > capacity[max]) {
        ctx.addIssue({ code: 'custom', path: [min], message: `${min} must be less than or equal to ${max}` });
      }
    };
    atMost('bufferMin', 'bufferMax');
    atMost('poolMin', 'poolMax');
    if (capacity.bufferMin > capacity.poolMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['bufferMin'],
        message: 'bufferMin must be less than or equal to poolMax (the pool never holds more than poolMax pods)',
      });
    }
  });
export type CapacitySpec = z.infer<typeof capacitySpecSchema>;

/** Used by scaleStrategy and updateStrategy when maxUnavailable is absent (operator default, not a CRD default). */
export const DEFAULT_MAX_UNAVAILABLE = '25%';

export const maxUnavailableStrategySchema = z.object({
  maxUnavailable: intOrPercentSchema.optional(),
});
export type MaxUnavailableStrategy = z.infer<typeof maxUnavailableStrategySchema>;

export const recycleStrategyTypeSchema = z.enum(['Delete', 'Restart', 'Noop']);
export type RecycleStrategyType = z.infer<typeof recycleStrategyTypeSchema>;

/** The apiserver fills in type when recycleStrategy is present without it (CRD `default`). */
export const RECYCLE_STRATEGY_DEFAULTS = { type: 'Delete' } as const satisfies RecycleStrategy;

export const recycleStrategySchema = z.object({
  type: recycleStrategyTypeSchema.optional(),
});
export type RecycleStrategy = z.infer<typeof recycleStrategySchema>;

export const poolSpecSchema = z.object({
  template: podTemplateSchema,
  capacitySpec: capacitySpecSchema,
  scaleStrategy: maxUnavailableStrategySchema.optional(),
  updateStrategy: maxUnavailableStrategySchema.optional(),
  recycleStrategy: recycleStrategySchema.optional(),
});
export type PoolSpec = z.infer<typeof poolSpecSchema>;

export const poolStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  revision: z.string(),
  total: int32Schema,
  allocated: int32Schema,
  available: int32Schema,
  updated: int32Schema.optional(),
  conditions: poolConditionsSchema.optional(),
});
export type PoolStatus = z.infer<typeof poolStatusSchema>;

export const poolSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(POOL.kind),
  metadata: labelledObjectMetaSchema,
  spec: poolSpecSchema,
  status: poolStatusSchema.optional(),
});
export type Pool = z.infer<typeof poolSchema>;
