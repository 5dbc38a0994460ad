// The JSON documents of an image (manifest, index, config) in the shape OCI and Docker v2 schema 2
// share, validated where they come in from a registry or a layout directory. Unknown fields are kept,
// so a base image's config passes through untouched apart from what a caller changes.
import { z } from 'zod';

const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
  size: z.number().int().nonnegative(),
  platform: z.looseObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
});

const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
});

const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

const configSchema = z.looseObject({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  rootfs: z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) }),
  history: z.array(historySchema).optional(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;
export type ImageManifest = z.infer<typeof manifestSchema>;
export type ImageIndex = z.infer<typeof indexSchema>;
export type ImageConfig = z.infer<typeof configSchema>;
export type HistoryEntry = z.infer<typeof historySchema>;

/** `what` names the document in errors, e.g. `manifest of r.io/app@sha256:…`. */
export function parseManifest(bytes: Buffer, what: string): ImageManifest {
  return parseJson(manifestSchema, bytes, what);
}

export function parseIndex(bytes: Buffer, what: string): ImageIndex {
  return parseJson(indexSchema, bytes, what);
}

export function parseConfig(bytes: Buffer, what: string): ImageConfig {
  return parseJson(configSchema, bytes, what);
}

function parseJson<T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${what} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${what} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
