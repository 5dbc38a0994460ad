// The OCI library against real registries (Debian's docker-registry, distribution 2.8, started here):
// images built from files, pushed from a layout, extended by one layer within a registry (blob mounts)
// and across registries (blob copies), Basic authentication, and failures as a user would read them.
// Protocol paths distribution does not take here (Bearer tokens, redirects to storage, relative upload
// Locations, a wrong digest) are checked against small stub servers.
import { once } from 'node:events';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { extract } from 'tar-stream';
import { appendLayer } from '../../oci/append-layer.js';
import { buildImage, type BuiltImage } from '../../oci/build-image.js';
import { sha256Digest } from '../../oci/digest.js';
import { layerFromEntries, type LayerResult } from '../../oci/gzip-layer.js';
import { pushLayout, writeImageLayout, writeImageLayoutTar } from '../../oci/image-layout.js';
import type { ImageConfig, ImageManifest } from '../../oci/image-schema.js';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../oci/media-types.js';
import { hostPlatform, resolveImage } from '../../oci/platform-manifest.js';
import { RegistryClient, RegistryError } from '../../oci/registry-client.js';
import { freePort } from '../../stack/free-port.js';
import { startOciRegistry, type RunningOciRegistry } from '../../stack/oci-registry.js';
import { realNodeTools } from '../../stack/toolchain.js';

const USER = { username: 'opensandbox', password: 'right-password' };
const { architecture } = hostPlatform();

let dir: string;
let main: RunningOciRegistry;
let second: RunningOciRegistry;
let authed: RunningOciRegistry;
let mainClient: RegistryClient;
let secondClient: RegistryClient;
/** The base image, pushed to main as `base:v1`. */
let base: BuiltImage;
const binaryContent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256));

const client = (registry: RunningOciRegistry, credentials?: { username: string; password: string }) =>
  new RegistryClient({ registry: registry.address, insecure: true, ...(credentials && { credentials }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oci-registry-test-'));
  const binary = realNodeTools().registry;
  [main, second, authed] = await Promise.all([
    startOciRegistry({ binary, dataDir: join(dir, 'main') }),
    startOciRegistry({ binary, dataDir: join(dir, 'second') }),
    startOciRegistry({ binary, dataDir: join(dir, 'authed'), auth: USER }),
  ]);
  mainClient = client(main);
  secondClient = client(second);
  writeFileSync(join(dir, 'tool'), binaryContent);
  const rootfs = await layerFromEntries(
    [
      { type: 'directory', path: 'bin' },
      { type: 'file', path: 'bin/tool', source: join(dir, 'tool'), mode: 0o755 },
      { type: 'symlink', path: 'bin/sh', target: 'tool' },
      { type: 'directory', path: 'etc' },
      { type: 'file', path: 'etc/os-release', content: 'NAME=test\n' },
    ],
    join(dir, 'rootfs.tar.gz'),
  );
  base = buildImage({ layers: [rootfs], config: { entrypoint: ['/bin/tool'], env: ['PATH=/bin'] }, architecture, os: 'linux' });
  await writeImageLayout(base, join(dir, 'layout'), 'v1');
  await pushLayout(join(dir, 'layout'), mainClient, 'base', 'v1');
});

afterAll(async () => {
  await Promise.all([main, second, authed].map((r) => r?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A layer with a file that only it has. */
function topLayer(name: string, content: Buffer): Promise<LayerResult> {
  return layerFromEntries(
    [
      { type: 'directory', path: 'data' },
      { type: 'file', path: `data/${name}`, content },
    ],
    join(dir, `${name}.tar.gz`),
  );
}

async function untar(gzip: Readable): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const entry of gzip.pipe(createGunzip()).pipe(extract())) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

async function readBlob(c: RegistryClient, repository: string, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await c.getBlob(repository, digest)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('images built from files', () => {
  it('push from their layout byte for byte', async () => {
    const fetched = await mainClient.getManifest('base', 'v1');
    expect(fetched).toEqual({ mediaType: OCI_MANIFEST, bytes: base.manifest, digest: base.manifestDigest });
    expect(await mainClient.getManifest('base', base.manifestDigest)).toEqual(fetched);
    expect(await readBlob(mainClient, 'base', base.configDigest)).toEqual(base.config);
    const files = await untar(await mainClient.getBlob('base', base.layers[0]!.digest));
    expect(files.get('bin/tool')).toEqual(binaryContent);
    expect(files.get('etc/os-release')?.toString()).toBe('NAME=test\n');
  });

  it('write a layout tarball holding the same blobs and index', async () => {
    const tarPath = join(dir, 'layout.tar');
    await writeImageLayoutTar(base, tarPath, 'v1');
    const files = new Map<string, Buffer>();
    for await (const entry of createReadStream(tarPath).pipe(extract())) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(chunks));
    }
    const blob = (digest: string) => files.get(`blobs/sha256/${digest.slice('sha256:'.length)}`);
    expect(files.get('index.json')).toEqual(readFileSync(join(dir, 'layout', 'index.json')));
    expect(JSON.parse(files.get('oci-layout')!.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(blob(base.manifestDigest)).toEqual(base.manifest);
    expect(blob(base.configDigest)).toEqual(base.config);
    expect(blob(base.layers[0]!.digest)).toEqual(readFileSync(base.layers[0]!.path));
  });
});

describe('appendLayer', () => {
  async function expectAppended(c: RegistryClient, repository: string, tag: string, layer: LayerResult, baseLayers: string[]) {
    const image = await resolveImage(c, repository, tag);
    expect(image.manifestMediaType).toBe(OCI_MANIFEST);
    expect(image.manifest.layers.map((l) => l.digest)).toEqual([...baseLayers, layer.digest]);
    expect(image.manifest.layers.at(-1)).toEqual({ mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size });
    expect(image.config.rootfs.diff_ids).toEqual([...base.layers.map((l) => l.diffId), layer.diffId]);
    expect(image.config.history?.at(-1)).toEqual({ created: '2025-06-01T00:00:00Z', created_by: 'test', comment: 'snapshot' });
    expect((image.config as ImageConfig & { config: unknown }).config).toEqual({ Env: ['PATH=/bin'], Entrypoint: ['/bin/tool'] });
    return image;
  }

  it('extends a base by digest within one registry, mounting its layers instead of uploading them', async () => {
    const layer = await topLayer('snapshot-1', Buffer.from('first snapshot\n'));
    const target = client(main);
    const pushBlob = jest.spyOn(target, 'pushBlob');
    const pushed = await appendLayer({
      base: { client: mainClient, repository: 'base', reference: base.manifestDigest },
      target: { client: target, repository: 'sandboxes/sb-1', tag: 'snap-gen1' },
      layer,
      history: { created: '2025-06-01T00:00:00Z', createdBy: 'test', comment: 'snapshot' },
    });
    expect(pushed.reference).toBe(`${main.address}/sandboxes/sb-1@${pushed.digest}`);
    const image = await expectAppended(mainClient, 'sandboxes/sb-1', 'snap-gen1', layer, [base.layers[0]!.digest]);
    expect(image.manifestDigest).toBe(pushed.digest);
    expect(pushBlob.mock.calls.map(([, blob]) => blob.digest).sort()).toEqual([layer.digest, image.configDigest].sort());
    const files = await untar(await mainClient.getBlob('sandboxes/sb-1', layer.digest));
    expect(files.get('data/snapshot-1')).toEqual(Buffer.from('first snapshot\n'));
  });

  it('extends a base into another registry, copying its layers', async () => {
    const content = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256));
    const layer = await topLayer('snapshot-2', content);
    const pushed = await appendLayer({
      base: { client: mainClient, repository: 'base', reference: base.manifestDigest },
      target: { client: secondClient, repository: 'sb-2', tag: 'snap-gen1' },
      layer,
      history: { created: '2025-06-01T00:00:00Z', createdBy: 'test', comment: 'snapshot' },
    });
    expect(pushed.reference).toBe(`${second.address}/sb-2@${pushed.digest}`);
    const image = await expectAppended(secondClient, 'sb-2', 'snap-gen1', layer, [base.layers[0]!.digest]);
    expect(image.manifestDigest).toBe(pushed.digest);
    expect(await readBlob(secondClient, 'sb-2', base.layers[0]!.digest)).toEqual(readFileSync(base.layers[0]!.path));
    expect((await untar(await secondClient.getBlob('sb-2', layer.digest))).get('data/snapshot-2')).toEqual(content);

    // A snapshot of the snapshot: the base is now the appended image.
    const next = await topLayer('snapshot-3', Buffer.from('third\n'));
    await appendLayer({
      base: { client: secondClient, repository: 'sb-2', reference: pushed.digest },
      target: { client: secondClient, repository: 'sb-2', tag: 'snap-gen2' },
      layer: next,
    });
    const third = await resolveImage(secondClient, 'sb-2', 'snap-gen2');
    expect(third.config.rootfs.diff_ids).toEqual([base.layers[0]!.diffId, layer.diffId, next.diffId]);
  });

  it('keeps the Docker media types of a Docker v2 base', async () => {
    const layer = base.layers[0]!;
    const config = Buffer.from(
      JSON.stringify({ architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId] }, history: [{ created_by: 'docker' }] }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_CONFIG, digest: sha256Digest(config), size: config.length },
        layers: [{ mediaType: DOCKER_LAYER_GZIP, digest: layer.digest, size: layer.size }],
      }),
    );
    await mainClient.pushBlob('docker-base', { digest: layer.digest, size: layer.size, open: () => createReadStream(layer.path) });
    await mainClient.pushBlob('docker-base', { digest: sha256Digest(config), size: config.length, open: () => config });
    await mainClient.putManifest('docker-base', 'v1', manifest, DOCKER_MANIFEST);

    const top = await topLayer('docker-top', Buffer.from('on docker\n'));
    const pushed = await appendLayer({
      base: { client: mainClient, repository: 'docker-base', reference: 'v1' },
      target: { client: mainClient, repository: 'docker-snap', tag: 'v1' },
      layer: top,
    });
    const fetched = await mainClient.getManifest('docker-snap', pushed.digest);
    expect(fetched.mediaType).toBe(DOCKER_MANIFEST);
    const appended = JSON.parse(fetched.bytes.toString()) as ImageManifest;
    expect(appended.mediaType).toBe(DOCKER_MANIFEST);
    expect(appended.config.mediaType).toBe(DOCKER_CONFIG);
    expect(appended.layers.map((l) => l.mediaType)).toEqual([DOCKER_LAYER_GZIP, DOCKER_LAYER_GZIP]);
  });

  it("takes this platform's image of a multi-platform base", async () => {
    const other = await mainClient.getManifest('docker-base', 'v1');
    await mainClient.pushBlob('base', { digest: base.layers[0]!.digest, size: base.layers[0]!.size, open: () => createReadStream(base.layers[0]!.path) });
    const dockerConfig = JSON.parse(other.bytes.toString()) as ImageManifest;
    await mainClient.pushBlob('base', {
      digest: dockerConfig.config.digest,
      size: dockerConfig.config.size,
      open: () => mainClient.getBlob('docker-base', dockerConfig.config.digest),
    });
    await mainClient.putManifest('base', 'docker', other.bytes, other.mediaType);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: DOCKER_MANIFEST, digest: other.digest, size: other.bytes.length, platform: { os: 'linux', architecture: 'not-this-one' } },
          { mediaType: OCI_MANIFEST, digest: base.manifestDigest, size: base.manifest.length, platform: { os: 'linux', architecture } },
        ],
      }),
    );
    await mainClient.putManifest('base', 'multi', index, OCI_INDEX);
    const resolved = await resolveImage(mainClient, 'base', 'multi');
    expect(resolved.manifestDigest).toBe(base.manifestDigest);
    expect(resolved.configDigest).toBe(base.configDigest);
    await expect(resolveImage(mainClient, 'base', 'multi', { os: 'linux', architecture: 'mips' })).rejects.toThrow(
      `${main.address}/base:multi has no linux/mips image (it has linux/not-this-one, linux/${architecture})`,
    );
  });
});

describe('authentication', () => {
  it('pushes and pulls with the right credentials', async () => {
    const c = client(authed, USER);
    expect(await pushLayout(join(dir, 'layout'), c, 'app', 'v1')).toBe(base.manifestDigest);
    expect((await c.getManifest('app', 'v1')).digest).toBe(base.manifestDigest);
  });

  it.each([
    ['wrong', { username: USER.username, password: 'wrong' }],
    ['no', undefined],
  ])('refuses %s credentials with 401', async (_what, credentials) => {
    const c = client(authed, credentials);
    const push = pushLayout(join(dir, 'layout'), c, 'app', 'v2');
    await expect(push).rejects.toBeInstanceOf(RegistryError);
    await expect(push).rejects.toThrow(/refused: 401 .*unauthorized/i);
    await expect(c.putManifest('app', 'v2', base.manifest, OCI_MANIFEST)).rejects.toThrow(
      `push of ${authed.address}/app:v2 refused: 401 UNAUTHORIZED authentication required (PUT /v2/app/manifests/v2)`,
    );
    const failure = (await c.getManifest('app', 'v1').catch((err: unknown) => err)) as RegistryError;
    expect(failure).toMatchObject({ method: 'GET', path: '/v2/app/manifests/v1', status: 401, details: [{ code: 'UNAUTHORIZED' }] });
  });
});

describe('failures', () => {
  it('names host and port of a registry that is not listening', async () => {
    const port = await freePort();
    for (const insecure of [true, false]) {
      const c = new RegistryClient({ registry: `127.0.0.1:${port}`, insecure });
      await expect(c.getManifest('app', 'v1')).rejects.toThrow(
        `pull of manifest 127.0.0.1:${port}/app:v1 failed: cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`,
      );
    }
  });

  it('speaks only verified HTTPS to a registry not marked insecure', async () => {
    const c = new RegistryClient({ registry: main.address, insecure: false });
    await expect(c.getManifest('base', 'v1')).rejects.toThrow(
      new RegExp(`^pull of manifest ${main.address}/base:v1 failed: TLS handshake with ${main.address} failed`),
    );
  });

  it('gives up on a registry that accepts connections but never answers', async () => {
    const silent = createNetServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const registry = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const c = new RegistryClient({ registry, insecure: true, timeoutMs: 300 });
      await expect(c.getManifest('app', 'v1')).rejects.toThrow(`pull of manifest ${registry}/app:v1 failed: no answer from ${registry} within 300 ms`);
    } finally {
      silent.close();
    }
  });

  it('says which manifest is missing', async () => {
    await expect(mainClient.getManifest('base', 'nope')).rejects.toThrow(
      `pull of manifest ${main.address}/base:nope refused: 404 MANIFEST_UNKNOWN manifest unknown (GET /v2/base/manifests/nope)`,
    );
  });
});

describe('protocol paths distribution does not take here (stub servers)', () => {
  type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  const servers: Server[] = [];

  async function stub(handler: Handler): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(chunks)));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  it('fetches a Bearer token from the realm with the credentials, once per scope', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST }));
    const tokenRequests: URL[] = [];
    const auth = await stub((req, res) => {
      const url = new URL(req.url!, 'http://x');
      tokenRequests.push(url);
      if (req.headers.authorization !== basic('u', 'p')) return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-1' }));
    });
    const registry = await stub((req, res) => {
      if (req.headers.authorization !== 'Bearer tok-1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${auth}/token",service="stub",scope="repository:app:pull"` });
        return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      res.writeHead(200, { 'content-type': OCI_MANIFEST }).end(manifest);
    });
    const c = new RegistryClient({ registry, insecure: true, credentials: { username: 'u', password: 'p' } });
    expect((await c.getManifest('app', 'v1')).bytes).toEqual(manifest);
    expect((await c.getManifest('app', 'v1')).bytes).toEqual(manifest);
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.pathname).toBe('/token');
    expect(tokenRequests[0]!.searchParams.get('service')).toBe('stub');
    expect(tokenRequests[0]!.searchParams.getAll('scope')).toEqual(['repository:app:pull']);

    const stranger = new RegistryClient({ registry, insecure: true, credentials: { username: 'u', password: 'bad' } });
    await expect(stranger.getManifest('app', 'v1')).rejects.toThrow(`pull of manifest ${registry}/app:v1 refused: 401 Unauthorized (GET ${auth}/token)`);
  });

  it('follows a blob redirect to another host without the registry credentials', async () => {
    const seen: (string | undefined)[] = [];
    const storage = await stub((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end('blob bytes');
    });
    const registry = await stub((req, res) => {
      if (req.headers.authorization !== basic('u', 'p')) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="stub"' }).end();
      res.writeHead(307, { location: `http://${storage}/bucket/blob?signature=x` }).end();
    });
    const c = new RegistryClient({ registry, insecure: true, credentials: { username: 'u', password: 'p' } });
    expect(await readBlob(c, 'app', sha256Digest('blob bytes'))).toEqual(Buffer.from('blob bytes'));
    expect(seen).toEqual([undefined]);
  });

  it('uploads to a relative Location without a query, and refuses a manifest digest the registry changed', async () => {
    const requests: string[] = [];
    let uploaded: Buffer = Buffer.alloc(0);
    const registry = await stub((req, res, body) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.method === 'HEAD') return void res.writeHead(404).end();
      if (req.method === 'POST') return void res.writeHead(202, { location: '/upload/1' }).end();
      if (req.url!.startsWith('/upload/1')) {
        uploaded = body;
        return void res.writeHead(201).end();
      }
      res.writeHead(201, { 'docker-content-digest': sha256Digest('something else') }).end();
    });
    const c = new RegistryClient({ registry, insecure: true });
    const digest = sha256Digest('layer');
    await c.pushBlob('app', { digest, size: 5, open: () => Buffer.from('layer') });
    expect(requests).toEqual([`HEAD /v2/app/blobs/${digest}`, 'POST /v2/app/blobs/uploads/', `PUT /upload/1?digest=${encodeURIComponent(digest)}`]);
    expect(uploaded.toString()).toBe('layer');
    await expect(c.putManifest('app', 'v1', Buffer.from('{}'), OCI_MANIFEST)).rejects.toThrow(
      `push of ${registry}/app:v1 failed: the registry returned another digest, ${sha256Digest('something else')}, for a manifest whose digest is ${sha256Digest('{}')}`,
    );
  });
});
