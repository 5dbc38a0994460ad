// The operator's image: the Node runtime, the npm packages the operator imports at run time (pruned to
// what Node loads on linux/amd64), and the operator as one bundled module beside its pre-built workflow
// bundle. Runs as a non-root user and writes nothing to its root filesystem, so it runs read-only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltImage } from '../oci/build-image.js';
import type { TarEntry } from '../oci/reproducible-tar.js';
import { OPERATOR_MEMORY_ENV, OPERATOR_NODE_FLAGS } from '../kernel/process-memory.js';
import { REPO_ROOT } from '../stack/toolchain.js';
import { buildProjectImage } from './build-project-image.js';
import { bundleOperator, type BundledOperator } from './operator-bundle.js';
import { NODE_IN_IMAGE, nodeRuntimeLayer } from './node-runtime-layer.js';
import { parentDirectories, type ProjectImage } from './project-image.js';
import { packageClosure, packageFiles } from './runtime-packages.js';

/** Where the operator lives in the image; its package.json there makes dist/workflow-bundle.js the default bundle. */
export const OPERATOR_HOME = 'opt/opensandbox-operator';
export const OPERATOR_USER = '65532:65532';
/** The core bridge's native build for the image's platform (linux/amd64, glibc). */
const NATIVE_TARGET = 'x86_64-unknown-linux-gnu';

const packageVersion = (): string => (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export const operatorImageName = (): { repository: string; tag: string } => ({
  repository: 'opensandbox-temporal-operator/operator',
  tag: packageVersion(),
});

/** The files of the packages a bundle imports, as image paths → files on this machine. */
function dependencyFiles(packages: readonly string[]): { path: string; source: string }[] {
  return packageClosure(packages, REPO_ROOT).flatMap((dir) => {
    const inImage = `${OPERATOR_HOME}/${dir
      .slice(REPO_ROOT.length + 1)
      .split('\\')
      .join('/')}`;
    return packageFiles(dir, NATIVE_TARGET).map((file) => ({ path: `${inImage}/${file}`, source: join(dir, file) }));
  });
}

/** A passwd and group naming the image's user (for tools that look it up), the CA bundle, and a /tmp. */
function systemEntries(caCertificates: string): TarEntry[] {
  const files: TarEntry[] = [
    { type: 'file', path: 'etc/passwd', content: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' },
    { type: 'file', path: 'etc/group', content: 'root:x:0:\nnonroot:x:65532:\n' },
    { type: 'file', path: 'etc/ssl/certs/ca-certificates.crt', source: caCertificates, mode: 0o644 },
  ];
  return [...parentDirectories(files.map((f) => f.path)), ...files, { type: 'directory', path: 'tmp', mode: 0o1777 }];
}

export interface OperatorImageInputs {
  nodeRuntime: string;
  /** The workflow bundle `npm run build` writes. */
  workflowBundle: string;
  /** The system's CA bundle, for TLS to Temporal and registries outside the cluster. */
  caCertificates: string;
}

export function operatorImage(inputs: OperatorImageInputs, bundled: BundledOperator): ProjectImage {
  const { repository, tag } = operatorImageName();
  const home = OPERATOR_HOME;
  const dependencies = dependencyFiles(bundled.externalPackages);
  const nativeAddons = dependencies.filter((file) => file.path.endsWith('.node')).map((file) => file.source);
  return {
    repository,
    tag,
    layers: [
      nodeRuntimeLayer(inputs.nodeRuntime, nativeAddons),
      { name: 'system files', entries: async () => systemEntries(inputs.caCertificates) },
      {
        name: 'operator dependencies',
        entries: async () => [
          ...parentDirectories(dependencies.map((f) => f.path)),
          ...dependencies.map((f): TarEntry => ({ type: 'file', ...f, mode: 0o644 })),
        ],
      },
      {
        name: 'operator',
        entries: async () => [
          ...parentDirectories([`${home}/dist/x`]),
          {
            type: 'file',
            path: `${home}/package.json`,
            content: JSON.stringify({ name: 'opensandbox-operator', version: tag, type: 'module', private: true }),
            mode: 0o644,
          },
          { type: 'file', path: `${home}/main.js`, content: bundled.code, mode: 0o644 },
          { type: 'file', path: `${home}/dist/workflow-bundle.js`, source: inputs.workflowBundle, mode: 0o644 },
        ],
      },
    ],
    config: {
      entrypoint: [NODE_IN_IMAGE, ...OPERATOR_NODE_FLAGS, `/${home}/main.js`],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', ...Object.entries(OPERATOR_MEMORY_ENV).map(([key, value]) => `${key}=${value}`)],
      user: OPERATOR_USER,
      workingDir: `/${home}`,
      labels: {
        'org.opencontainers.image.title': 'opensandbox-temporal-operator',
        'org.opencontainers.image.version': tag,
        'org.opencontainers.image.licenses': 'Apache-2.0',
      },
    },
  };
}

/** The CA bundle of this machine (Debian's ca-certificates) that goes into the image. */
export const HOST_CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';

/** Bundles the operator and builds its image from the compiled tree, layers from the cache. */
export async function buildOperatorImage(opts: {
  nodeRuntime: string;
  workflowBundle: string;
  cacheDir: string;
}): Promise<{ image: ProjectImage; built: BuiltImage }> {
  const image = operatorImage(
    { nodeRuntime: opts.nodeRuntime, workflowBundle: opts.workflowBundle, caCertificates: HOST_CA_CERTIFICATES },
    await bundleOperator(),
  );
  return { image, built: await buildProjectImage(image, opts.cacheDir) };
}
