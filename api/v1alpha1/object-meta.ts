// The part of Kubernetes ObjectMeta the operator reads. Loose: the apiserver owns metadata and every other
// field (timestamps, ownerReferences, managedFields, ...) must survive a parse untouched.
import { z } from 'zod';

export const stringMapSchema = z.record(z.string(), z.string());

/** The owner references the operator follows: internal pause snapshots are controlled by their BatchSandbox. */
export const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof ownerReferenceSchema>;

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
  ownerReferences: z.array(ownerReferenceSchema).optional(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/** A name that is also the value of a label on the object's pods: at most 63 characters (the CRDs' rule). */
export const MAX_LABELLED_NAME = 63;
export const labelledObjectMetaSchema = objectMetaSchema.extend({
  name: z.string().min(1).max(MAX_LABELLED_NAME, `must be at most ${MAX_LABELLED_NAME} characters: it is the value of a label on the object's pods`),
});
