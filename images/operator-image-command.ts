// `npm run image -- [--out=FILE] [--push=host[:port][/path]] [--insecure] [--docker-config=FILE]`: builds the
// operator's image from the compiled tree (no container engine), writes it as an OCI layout tarball any
// registry client can push (skopeo copy oci-archive:FILE …, crane push FILE …), optionally pushes it, and
// prints one JSON line: reference, digest, sizes per layer. Same inputs, same digest; layers are cached
// by content in the toolchain cache.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDockerConfigCredentials } from '../oci/docker-config.js';
import { writeImageLayoutTar } from '../oci/image-layout.js';
import { RegistryClient } from '../oci/registry-client.js';
import { isRegistryPrefix } from '../kernel/image-reference.js';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../config/operator-config.js';
import { REPO_ROOT, realNodeTools, toolsCacheDir } from '../stack/toolchain.js';
import { pushBuiltImage } from './build-project-image.js';
import { buildOperatorImage, HOST_CA_CERTIFICATES } from './operator-image.js';

function fail(message: string): never {
  process.stderr.write(`image: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    push: { type: 'string' },
    insecure: { type: 'boolean', default: false },
    'docker-config': { type: 'string' },
  },
});
if (values.push !== undefined && !isRegistryPrefix(values.push)) fail(`--push: '${values.push}' is not host[:port][/path]`);
for (const [what, path] of [
  ['the workflow bundle (run npm run build)', DEFAULT_WORKFLOW_BUNDLE_PATH],
  ['the CA bundle (apt-get install ca-certificates)', HOST_CA_CERTIFICATES],
] as const) {
  try {
    statSync(path);
  } catch {
    fail(`${what} is missing: ${path}`);
  }
}

const started = Date.now();
const { image, built } = await buildOperatorImage({
  nodeRuntime: realNodeTools().nodeRuntime,
  workflowBundle: DEFAULT_WORKFLOW_BUNDLE_PATH,
  cacheDir: toolsCacheDir(),
});
const out = resolve(values.out ?? join(REPO_ROOT, 'dist', 'images', `operator-${image.tag}.oci.tar`));
mkdirSync(dirname(out), { recursive: true });
await writeImageLayoutTar(built, out, image.tag);

let pushed: string | undefined;
if (values.push !== undefined) {
  const slash = values.push.indexOf('/');
  const registry = slash < 0 ? values.push : values.push.slice(0, slash);
  const repository = slash < 0 ? image.repository : `${values.push.slice(slash + 1)}/${image.repository}`;
  const dockerConfig = values['docker-config'];
  const credentials = dockerConfig === undefined ? undefined : readDockerConfigCredentials(dockerConfig, registry);
  const client = new RegistryClient({ registry, insecure: values.insecure, ...(credentials && { credentials }) });
  pushed = await pushBuiltImage(built, client, repository, image.tag);
}

const layers = image.layers.map((layer, i) => ({ name: layer.name, bytes: built.layers[i]!.size, uncompressed_bytes: built.layers[i]!.uncompressedSize }));
process.stdout.write(
  `${JSON.stringify({
    image: `${image.repository}:${image.tag}`,
    digest: built.manifestDigest,
    ...(pushed !== undefined && { pushed }),
    layout: out,
    compressed_bytes: layers.reduce((sum, l) => sum + l.bytes, 0),
    uncompressed_bytes: layers.reduce((sum, l) => sum + l.uncompressed_bytes, 0),
    layers,
    build_ms: Date.now() - started,
  })}\n`,
);
