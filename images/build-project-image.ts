// Builds a project image (layers from the cache) and pushes it to a registry.
import { createReadStream } from 'node:fs';
import { buildImage, type BuiltImage } from '../oci/build-image.js';
import type { RegistryClient } from '../oci/registry-client.js';
import { cachedLayer } from './layer-cache.js';
import type { ProjectImage } from './project-image.js';

export async function buildProjectImage(image: ProjectImage, cacheDir: string): Promise<BuiltImage> {
  const layers = [];
  for (const layer of image.layers) layers.push(await cachedLayer(layer, cacheDir));
  return buildImage({ layers, config: image.config, architecture: 'amd64', os: 'linux' });
}

/** Pushes the blobs the registry lacks, then the manifest under `tag`; returns `host/repo@digest`. */
export async function pushBuiltImage(image: BuiltImage, client: RegistryClient, repository: string, tag: string): Promise<string> {
  for (const layer of image.layers) {
    await client.pushBlob(repository, { digest: layer.digest, size: layer.size, open: () => createReadStream(layer.path) });
  }
  await client.pushBlob(repository, { digest: image.configDigest, size: image.config.length, open: () => image.config });
  const digest = await client.putManifest(repository, tag, image.manifest, image.manifestMediaType);
  return `${client.registry}/${repository}@${digest}`;
}
