// A base image as one platform sees it: a multi-platform index narrowed to this machine's entry, then
// that manifest and its config, both checked against their digests.
import { sha256Digest } from './digest.js';
import { readAll } from './http-request.js';
import { formatReference } from './image-reference.js';
import { parseConfig, parseIndex, parseManifest, type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest } from './image-schema.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES } from './media-types.js';
import type { RegistryClient } from './registry-client.js';

export interface Platform {
  os: string;
  /** GOARCH spelling, as images use it: `amd64`, `arm64`. */
  architecture: string;
  variant?: string;
}

export interface ResolvedImage {
  manifest: ImageManifest;
  manifestMediaType: string;
  manifestDigest: string;
  config: ImageConfig;
  configDigest: string;
}

/** Node's `process.arch` → GOARCH. */
const GO_ARCHITECTURES: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: GO_ARCHITECTURES[process.arch] ?? process.arch };
}

/** The index entry for `platform` (its variant preferred when asked for); undefined when there is none. */
export function selectPlatformManifest(index: ImageIndex, platform: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter(
    (m) => MANIFEST_MEDIA_TYPES.includes(m.mediaType) && m.platform?.os === platform.os && m.platform.architecture === platform.architecture,
  );
  return candidates.find((m) => m.platform?.variant === platform.variant) ?? candidates[0];
}

/** The single-platform manifest and config of `repository` at `reference` (a tag or a digest). */
export async function resolveImage(client: RegistryClient, repository: string, reference: string, platform: Platform = hostPlatform()): Promise<ResolvedImage> {
  const name = formatReference({
    registry: client.registry,
    repository,
    ...(reference.includes(':') ? { digest: reference } : { tag: reference }),
  });
  let fetched = await client.getManifest(repository, reference);
  if (INDEX_MEDIA_TYPES.includes(fetched.mediaType)) {
    const index = parseIndex(fetched.bytes, `index of ${name}`);
    const entry = selectPlatformManifest(index, platform);
    if (!entry) {
      const offered = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : '?'));
      throw new Error(`${name} has no ${platform.os}/${platform.architecture} image (it has ${offered.join(', ') || 'none'})`);
    }
    fetched = await client.getManifest(repository, entry.digest, MANIFEST_MEDIA_TYPES);
  }
  if (!MANIFEST_MEDIA_TYPES.includes(fetched.mediaType)) {
    throw new Error(`${name} has a manifest of unsupported type ${JSON.stringify(fetched.mediaType)}`);
  }
  const manifest = parseManifest(fetched.bytes, `manifest of ${name}`);
  const configDigest = manifest.config.digest;
  const configBytes = await readAll(await client.getBlob(repository, configDigest), MAX_CONFIG_BYTES, `config of ${name}`);
  if (sha256Digest(configBytes) !== configDigest) {
    throw new Error(`the config of ${name} does not match its digest ${configDigest}`);
  }
  return {
    manifest,
    manifestMediaType: fetched.mediaType,
    manifestDigest: fetched.digest,
    config: parseConfig(configBytes, `config of ${name}`),
    configDigest,
  };
}
