// OCI image layouts (image-spec `image-layout.md`): a directory, or a tarball of it, holding an image's
// blobs by digest and an `index.json` naming its manifest; the form `ctr import`, skopeo and podman
// read, and what the image builder pushes from.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BuiltImage } from './build-image.js';
import { sha256Digest } from './digest.js';
import { parseIndex, parseManifest, type Descriptor } from './image-schema.js';
import { OCI_INDEX } from './media-types.js';
import type { RegistryClient } from './registry-client.js';
import { reproducibleTar, type TarEntry } from './reproducible-tar.js';

const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const OCI_LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

/** Writes `image` into the directory `dir` (created if needed), its manifest named `refName` (a tag). */
export async function writeImageLayout(image: BuiltImage, dir: string, refName: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), OCI_LAYOUT_FILE);
  await writeFile(join(dir, blobPath(image.configDigest)), image.config);
  for (const layer of image.layers) await copyFile(layer.path, join(dir, blobPath(layer.digest)));
  await writeFile(join(dir, blobPath(image.manifestDigest)), image.manifest);
  await writeFile(join(dir, 'index.json'), indexJson(image, refName));
}

/** Writes `image` as a layout tarball (uncompressed, reproducible) to the file `path`. */
export async function writeImageLayoutTar(image: BuiltImage, path: string, refName: string): Promise<void> {
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', content: OCI_LAYOUT_FILE },
    { type: 'file', path: 'index.json', content: indexJson(image, refName) },
    { type: 'directory', path: 'blobs' },
    { type: 'directory', path: 'blobs/sha256' },
    { type: 'file', path: blobPath(image.configDigest), content: image.config },
    ...image.layers.map((l): TarEntry => ({ type: 'file', path: blobPath(l.digest), source: l.path })),
    { type: 'file', path: blobPath(image.manifestDigest), content: image.manifest },
  ];
  await pipeline(reproducibleTar(entries), createWriteStream(path));
}

/**
 * Pushes the image of the layout directory `dir` to `repository:tag`: every blob the registry lacks,
 * then the manifest. The layout's manifest is the one named `tag`, or its only one. Returns the digest.
 */
export async function pushLayout(dir: string, client: RegistryClient, repository: string, tag: string): Promise<string> {
  const indexPath = join(dir, 'index.json');
  const index = parseIndex(await readFile(indexPath), indexPath);
  const named = index.manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] === tag);
  const entry = named[0] ?? (index.manifests.length === 1 ? index.manifests[0] : undefined);
  if (!entry || named.length > 1) throw new Error(`${indexPath} has no single manifest for ${tag}`);
  const manifestPath = join(dir, blobPath(entry.digest));
  const manifestBytes = await readFile(manifestPath);
  if (sha256Digest(manifestBytes) !== entry.digest) throw new Error(`${manifestPath} does not match its digest`);
  const manifest = parseManifest(manifestBytes, manifestPath);
  for (const blob of [manifest.config, ...manifest.layers]) await pushLayoutBlob(dir, client, repository, blob);
  return client.putManifest(repository, tag, manifestBytes, manifest.mediaType ?? entry.mediaType);
}

function pushLayoutBlob(dir: string, client: RegistryClient, repository: string, blob: Descriptor): Promise<void> {
  return client.pushBlob(repository, {
    digest: blob.digest,
    size: blob.size,
    open: () => createReadStream(join(dir, blobPath(blob.digest))),
  });
}

function indexJson(image: BuiltImage, refName: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: image.manifestMediaType,
        digest: image.manifestDigest,
        size: image.manifest.length,
        annotations: { [REF_NAME_ANNOTATION]: refName },
      },
    ],
  });
}

/** `sha256:<hex>` → `blobs/sha256/<hex>`. */
function blobPath(digest: string): string {
  return join('blobs', ...digest.split(':'));
}
