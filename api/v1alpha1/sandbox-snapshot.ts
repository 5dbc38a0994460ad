// SandboxSnapshot: commits a BatchSandbox's containers to images. Mirrors
// crds/sandbox.opensandbox.io_sandboxsnapshots.yaml. The CRD's transition rule (spec.sandboxName is
// immutable) needs the old object and is enforced by the apiserver only.
import { z } from 'zod';
import { sandboxSnapshotConditionsSchema, sandboxSnapshotPhaseSchema } from './conditions.js';
import { DNS1123_SUBDOMAIN } from './formats.js';
import { API_VERSION, SANDBOX_SNAPSHOT } from './group.js';
import { objectMetaSchema } from './object-meta.js';

export const sandboxSnapshotSpecSchema = z.object({
  sandboxName: z.string().min(1).max(253).regex(DNS1123_SUBDOMAIN, { message: 'must be a BatchSandbox name (DNS-1123 subdomain)' }),
});
export type SandboxSnapshotSpec = z.infer<typeof sandboxSnapshotSpecSchema>;

export const containerSnapshotSchema = z.object({
  containerName: z.string(),
  imageUri: z.string(),
  imageDigest: z.string().optional(),
});
export type ContainerSnapshot = z.infer<typeof containerSnapshotSchema>;

export const sandboxSnapshotStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  phase: sandboxSnapshotPhaseSchema.optional(),
  sourcePodName: z.string().optional(),
  sourceNodeName: z.string().optional(),
  containers: z.array(containerSnapshotSchema).optional(),
  conditions: sandboxSnapshotConditionsSchema.optional(),
});
export type SandboxSnapshotStatus = z.infer<typeof sandboxSnapshotStatusSchema>;

export const sandboxSnapshotSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(SANDBOX_SNAPSHOT.kind),
  metadata: objectMetaSchema,
  spec: sandboxSnapshotSpecSchema,
  status: sandboxSnapshotStatusSchema.optional(),
});
export type SandboxSnapshot = z.infer<typeof sandboxSnapshotSchema>;
