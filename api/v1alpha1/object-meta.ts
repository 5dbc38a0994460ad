// The part of Kubernetes ObjectMeta the operator reads. Loose: the apiserver owns metadata and every other
// field (timestamps, ownerReferences, managedFields, ...) must survive a parse untouched.
import { z } from 'zod';

export const stringMapSchema = z.record(z.string(), z.string());

export const objectMetaSchema = z.looseObject({
  // Required: these kinds are never created with generateName.
  name: z.string().min(1),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  labels: stringMapSchema.optional(),
  annotations: stringMapSchema.optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
