import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { buildImage } from '../../oci/build-image.js';
import type { LayerResult } from '../../oci/gzip-layer.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../oci/media-types.js';

const digest = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const layers: LayerResult[] = [
  { path: '/tmp/a.tar.gz', digest: digest('a'), diffId: digest('a-diff'), size: 10, uncompressedSize: 100 },
  { path: '/tmp/b.tar.gz', digest: digest('b'), diffId: digest('b-diff'), size: 20, uncompressedSize: 200 },
];

describe('buildImage', () => {
  it('writes an OCI config and manifest over the layers', () => {
    const image = buildImage({
      layers,
      config: { entrypoint: ['/pause'], env: ['PATH=/bin'], user: '65535:65535', workingDir: '/', labels: { a: 'b' } },
      architecture: 'amd64',
      os: 'linux',
    });
    expect(JSON.parse(image.config.toString())).toEqual({
      created: '1970-01-01T00:00:00.000Z',
      architecture: 'amd64',
      os: 'linux',
      config: { User: '65535:65535', Env: ['PATH=/bin'], Entrypoint: ['/pause'], WorkingDir: '/', Labels: { a: 'b' } },
      rootfs: { type: 'layers', diff_ids: [digest('a-diff'), digest('b-diff')] },
      history: [
        { created: '1970-01-01T00:00:00.000Z', created_by: 'opensandbox image builder' },
        { created: '1970-01-01T00:00:00.000Z', created_by: 'opensandbox image builder' },
      ],
    });
    expect(JSON.parse(image.manifest.toString())).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: image.configDigest, size: image.config.length },
      layers: [
        { mediaType: OCI_LAYER_GZIP, digest: digest('a'), size: 10 },
        { mediaType: OCI_LAYER_GZIP, digest: digest('b'), size: 20 },
      ],
    });
    expect(image.manifestMediaType).toBe(OCI_MANIFEST);
    expect(image.manifestDigest).toBe(`sha256:${createHash('sha256').update(image.manifest).digest('hex')}`);
  });

  it('is reproducible: the same input gives the same digests, another date another one', () => {
    const input = { layers, config: { cmd: ['sh'] }, architecture: 'amd64', os: 'linux' };
    expect(buildImage(input).manifestDigest).toBe(buildImage(input).manifestDigest);
    expect(buildImage({ ...input, created: '2025-01-01T00:00:00Z' }).manifestDigest).not.toBe(buildImage(input).manifestDigest);
  });
});
