import { describe, expect, it } from '@jest/globals';
import type { ImageIndex } from '../../oci/image-schema.js';
import { DOCKER_MANIFEST, OCI_MANIFEST } from '../../oci/media-types.js';
import { hostPlatform, selectPlatformManifest } from '../../oci/platform-manifest.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    { mediaType: OCI_MANIFEST, digest: digest(1), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { mediaType: OCI_MANIFEST, digest: digest(2), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: OCI_MANIFEST, digest: digest(3), size: 1, platform: { os: 'windows', architecture: 'amd64' } },
    { mediaType: OCI_MANIFEST, digest: digest(4), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    // A build attestation: not an image.
    { mediaType: OCI_MANIFEST, digest: digest(5), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
  ],
};

describe('selectPlatformManifest', () => {
  it('picks the entry of the os and architecture', () => {
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'amd64' })?.digest).toBe(digest(4));
  });

  it('prefers the variant asked for, else takes the first of the architecture', () => {
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(digest(2));
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm' })?.digest).toBe(digest(1));
  });

  it('has none for a platform the index lacks, or an entry that is not an image manifest', () => {
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 's390x' })).toBeUndefined();
    const nested: ImageIndex = {
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: digest(6), size: 1, platform: { os: 'linux', architecture: 'amd64' } }],
    };
    expect(selectPlatformManifest(nested, { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });

  it('reads Docker manifest lists alike', () => {
    const list: ImageIndex = {
      schemaVersion: 2,
      manifests: [{ mediaType: DOCKER_MANIFEST, digest: digest(7), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }],
    };
    expect(selectPlatformManifest(list, { os: 'linux', architecture: 'arm64' })?.digest).toBe(digest(7));
  });
});

describe('hostPlatform', () => {
  it('names the architecture as images do', () => {
    const expected = { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch;
    expect(hostPlatform()).toEqual({ os: 'linux', architecture: expected });
  });
});
