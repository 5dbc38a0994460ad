// The pod template of Pools and non-pooled BatchSandboxes: a core/v1 PodTemplateSpec that is stored as
// given (preserve-unknown in the CRD), so every object here is loose. Only what validation or the operator
// needs is typed.
import { z } from 'zod';
import { stringMapSchema } from './object-meta.js';

export const containerSchema = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
});
export type Container = z.infer<typeof containerSchema>;

export const podTemplateSchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: stringMapSchema.optional(),
      annotations: stringMapSchema.optional(),
    })
    .optional(),
  spec: z.looseObject({
    // A template without containers cannot produce a pod (upstream dereferences it and fails late).
    containers: z.array(containerSchema).min(1),
  }),
});
export type PodTemplate = z.infer<typeof podTemplateSchema>;
