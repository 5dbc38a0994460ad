// An OCI image made from layers built here (images of the project's own programs): its config and
// manifest, byte for byte the same for the same layers and settings, so a rebuild has the same digest.
import { sha256Digest } from './digest.js';
import type { LayerResult } from './gzip-layer.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from './media-types.js';

/** What a container runs, as `docker run` would take it. */
export interface ContainerSettings {
  entrypoint?: string[];
  cmd?: string[];
  /** `NAME=value` */
  env?: string[];
  user?: string;
  workingDir?: string;
  labels?: Record<string, string>;
}

export interface BuildImageInput {
  /** Bottom first. */
  layers: LayerResult[];
  config: ContainerSettings;
  /** GOARCH spelling: `amd64`, `arm64`. */
  architecture: string;
  os: string;
  /** RFC 3339; default the Unix epoch, for reproducible digests. */
  created?: string;
}

export interface BuiltImage {
  layers: LayerResult[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
}

const EPOCH = new Date(0).toISOString();

export function buildImage(input: BuildImageInput): BuiltImage {
  const created = input.created ?? EPOCH;
  const settings = input.config;
  const config = {
    created,
    architecture: input.architecture,
    os: input.os,
    config: {
      ...(settings.user !== undefined && { User: settings.user }),
      ...(settings.env !== undefined && { Env: settings.env }),
      ...(settings.entrypoint !== undefined && { Entrypoint: settings.entrypoint }),
      ...(settings.cmd !== undefined && { Cmd: settings.cmd }),
      ...(settings.workingDir !== undefined && { WorkingDir: settings.workingDir }),
      ...(settings.labels !== undefined && { Labels: settings.labels }),
    },
    rootfs: { type: 'layers', diff_ids: input.layers.map((l) => l.diffId) },
    history: input.layers.map(() => ({ created, created_by: 'opensandbox image builder' })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256Digest(configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: input.layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    layers: input.layers,
    config: configBytes,
    configDigest,
    manifest: manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    manifestMediaType: OCI_MANIFEST,
  };
}
