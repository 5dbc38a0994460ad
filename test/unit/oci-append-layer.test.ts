import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { appendedImage } from '../../oci/append-layer.js';
import type { ImageConfig, ImageManifest } from '../../oci/image-schema.js';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../oci/media-types.js';
import type { ResolvedImage } from '../../oci/platform-manifest.js';

const digest = (label: string) => `sha256:${createHash('sha256').update(label).digest('hex')}`;
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const baseConfig: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-01T00:00:00Z',
  config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: [digest('diff-1')] },
  history: [{ created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs' }],
};

function base(mediaType: string, layerType: string): ResolvedImage {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'base-config-type', digest: digest('config'), size: 100 },
    layers: [{ mediaType: layerType, digest: digest('layer-1'), size: 10 }],
  };
  return { manifest, manifestMediaType: mediaType, manifestDigest: digest('manifest'), config: baseConfig, configDigest: digest('config') };
}

const layer = { digest: digest('layer-2'), diffId: digest('diff-2'), size: 20 };
const history = { created: '2025-06-01T12:00:00Z', createdBy: 'image-committer ns/pod sandbox', comment: 'sandbox snapshot' };

describe('appendedImage', () => {
  it.each([
    ['OCI', OCI_MANIFEST, OCI_LAYER_GZIP, OCI_CONFIG],
    ['Docker v2', DOCKER_MANIFEST, DOCKER_LAYER_GZIP, DOCKER_CONFIG],
  ])('keeps the schema family of a %s base', (_family, manifestType, layerType, configType) => {
    const image = appendedImage(base(manifestType, layerType), layer, history);
    const manifest = JSON.parse(image.manifest.toString()) as ImageManifest;
    expect(image.manifestMediaType).toBe(manifestType);
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { mediaType: configType, digest: image.configDigest, size: image.config.length },
      layers: [
        { mediaType: layerType, digest: digest('layer-1'), size: 10 },
        { mediaType: layerType, digest: layer.digest, size: 20 },
      ],
    });
    expect(image.configDigest).toBe(sha256(image.config));
    expect(image.manifestDigest).toBe(sha256(image.manifest));
  });

  it("adds the diff ID and a history entry to the base's config, keeping everything else", () => {
    const image = appendedImage(base(OCI_MANIFEST, OCI_LAYER_GZIP), layer, history);
    expect(JSON.parse(image.config.toString())).toEqual({
      ...baseConfig,
      created: history.created,
      rootfs: { type: 'layers', diff_ids: [digest('diff-1'), digest('diff-2')] },
      history: [...baseConfig.history!, { created: history.created, created_by: 'image-committer ns/pod sandbox', comment: 'sandbox snapshot' }],
    });
  });

  it('starts the history of a base without one, and dates the image now when not told', () => {
    const { history: _none, ...bare } = baseConfig;
    const image = appendedImage({ ...base(OCI_MANIFEST, OCI_LAYER_GZIP), config: bare }, layer, {});
    const config = JSON.parse(image.config.toString()) as ImageConfig;
    expect(config.history).toEqual([{ created: config.created }]);
    expect(Date.now() - Date.parse(config.created!)).toBeLessThan(60_000);
  });

  it('refuses a base whose manifest type it cannot extend', () => {
    expect(() => appendedImage(base('application/vnd.docker.distribution.manifest.v1+prettyjws', ''), layer, history)).toThrow(
      'cannot append a layer to a manifest of type application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
  });
});
