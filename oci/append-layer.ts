// A new image made of a base image plus one layer on top (a container's rootfs diff), pushed under a
// tag: the base's config with the layer's diff ID and a history entry added, and a manifest of the
// base's schema family (Docker v2 or OCI) listing the base's layers and the new one.
import { createReadStream } from 'node:fs';
import { sha256Digest } from './digest.js';
import type { Descriptor, HistoryEntry, ImageConfig } from './image-schema.js';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from './media-types.js';
import { resolveImage, type ResolvedImage } from './platform-manifest.js';
import type { RegistryClient } from './registry-client.js';

export interface AppendedLayer {
  /** The gzip file. */
  path: string;
  digest: string;
  diffId: string;
  size: number;
}

export interface LayerHistory {
  /** RFC 3339; default now. It is also the new image's `created`. */
  created?: string;
  createdBy?: string;
  comment?: string;
}

export interface AppendLayerInput {
  /** `reference` is a tag or, for a reproducible result, a digest. */
  base: { client: RegistryClient; repository: string; reference: string };
  target: { client: RegistryClient; repository: string; tag: string };
  layer: AppendedLayer;
  history?: LayerHistory;
  /** Once aborted, no tag is written: blobs already sent are unreferenced, the registry's GC takes them. */
  signal?: AbortSignal;
}

export interface PushedImage {
  /** The manifest's digest. */
  digest: string;
  /** `host[:port]/repo@sha256:…` */
  reference: string;
}

export interface AppendedImage {
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
}

/** Blobs copied at once: enough to overlap round trips, few enough not to swamp a small registry. */
const BLOB_CONCURRENCY = 4;

const SCHEMA_FAMILIES: Record<string, { manifest: string; config: string; layer: string }> = {
  [OCI_MANIFEST]: { manifest: OCI_MANIFEST, config: OCI_CONFIG, layer: OCI_LAYER_GZIP },
  [DOCKER_MANIFEST]: { manifest: DOCKER_MANIFEST, config: DOCKER_CONFIG, layer: DOCKER_LAYER_GZIP },
};

export async function appendLayer(input: AppendLayerInput): Promise<PushedImage> {
  const { base, target, layer } = input;
  const resolved = await resolveImage(base.client, base.repository, base.reference);
  const image = appendedImage(resolved, layer, input.history ?? {});
  const sameRegistry = base.client.registry === target.client.registry;

  const copyBaseLayer = async ({ digest, size }: Descriptor): Promise<void> => {
    // On one registry a mount links the blob without moving its bytes.
    if (sameRegistry && (await target.client.mountBlob(target.repository, digest, base.repository))) return;
    await target.client.pushBlob(target.repository, { digest, size, open: () => base.client.getBlob(base.repository, digest) });
  };
  const uploads: (() => Promise<void>)[] = [
    ...resolved.manifest.layers.map((d) => () => copyBaseLayer(d)),
    () =>
      target.client.pushBlob(target.repository, {
        digest: layer.digest,
        size: layer.size,
        open: () => createReadStream(layer.path),
      }),
    () =>
      target.client.pushBlob(target.repository, {
        digest: image.configDigest,
        size: image.config.length,
        open: () => image.config,
      }),
  ];
  await runConcurrently(uploads, BLOB_CONCURRENCY);

  // Last: the manifest is refused while any blob it names is missing.
  input.signal?.throwIfAborted();
  const digest = await target.client.putManifest(target.repository, target.tag, image.manifest, image.manifestMediaType);
  return { digest, reference: `${target.client.registry}/${target.repository}@${digest}` };
}

/** The config and manifest of `base` plus `layer`, in the base's schema family. */
export function appendedImage(base: ResolvedImage, layer: Omit<AppendedLayer, 'path'>, history: LayerHistory): AppendedImage {
  const family = SCHEMA_FAMILIES[base.manifestMediaType];
  if (!family) throw new Error(`cannot append a layer to a manifest of type ${base.manifestMediaType}`);
  const created = history.created ?? new Date().toISOString();
  const entry: HistoryEntry = {
    created,
    ...(history.createdBy !== undefined && { created_by: history.createdBy }),
    ...(history.comment !== undefined && { comment: history.comment }),
  };
  const config: ImageConfig = {
    ...base.config,
    created,
    rootfs: { ...base.config.rootfs, diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
    history: [...(base.config.history ?? []), entry],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: family.manifest,
    config: { mediaType: family.config, digest: configDigest, size: configBytes.length },
    layers: [...base.manifest.layers, { mediaType: family.layer, digest: layer.digest, size: layer.size }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    config: configBytes,
    configDigest,
    manifest: manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    manifestMediaType: family.manifest,
  };
}

async function runConcurrently(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    // After a failure no new task starts: the push as a whole has failed.
    while (!failed && next < tasks.length) {
      try {
        await tasks[next++]!();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
