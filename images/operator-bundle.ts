// The operator as one minified ES module: our code and the npm packages it uses, except Temporal's and
// gRPC's, which stay imports (the Temporal worker loads files by path: its native core bridge, its
// workflow interceptors, webpack for bundling on demand; gRPC is shared with it). The image ships this
// file and the local stack runs it, so the benchmarks measure what ships.
//   node dist/images/operator-bundle.js [outPath]   (default: dist/operator.mjs, in `npm run build`)
//
// Why a bundle: Node keeps the source of every module it loads. @kubernetes/client-node alone is about
// 2,700 files (a model class per API type); loaded as one minified module the watch role with 10,000
// cached pods took 164 -> 143 MB RSS (measured 2026-12-04). Names are kept for readable stack traces.
import { mkdir, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { withLatin1Source } from '../kernel/latin1-source.js';
import { REPO_ROOT } from '../stack/toolchain.js';
import { findPackageDir } from './runtime-packages.js';

/** Packages left as imports of the bundle (see above). */
export const UNBUNDLED_PACKAGES = ['@temporalio/*', '@grpc/*'];

/**
 * Where `npm run build` writes the bundle: `.mjs` loads as an ES module without a package.json of its own,
 * so the nearest one stays the repository's (config/operator-config.ts finds the workflow bundle from it).
 */
export const OPERATOR_BUNDLE_PATH = join(REPO_ROOT, 'dist', 'operator.mjs');

export interface BundledOperator {
  code: Buffer;
  /** The npm packages the bundle imports at run time (UNBUNDLED_PACKAGES it uses). */
  externalPackages: string[];
}

/** operator/main.ts and what it imports as one ES module. */
export async function bundleOperator(): Promise<BundledOperator> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'operator', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    external: UNBUNDLED_PACKAGES,
    // CommonJS packages inside an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    minify: true,
    keepNames: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // esbuild also leaves external what it cannot resolve inside a try/catch: optional packages that are not
  // installed (ws's bufferutil), which the bundle does without at run time too.
  const externalPackages = importedPackages(result.metafile).filter((name) => findPackageDir(name, REPO_ROOT) !== undefined);
  return { code: Buffer.from(withLatin1Source(result.outputFiles[0]!.text)), externalPackages };
}

/** `@scope/name/sub/path` → `@scope/name`; Node's built-ins (`node:fs`, and `assert` as bundled CommonJS names it) are not packages. */
export function importedPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || isBuiltin(path)) continue;
      const parts = path.split('/');
      names.add(path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

/** Writes the bundle; returns its size in bytes. */
export async function writeOperatorBundle(outPath: string = OPERATOR_BUNDLE_PATH): Promise<number> {
  const { code } = await bundleOperator();
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, code);
  return code.byteLength;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outPath = process.argv[2] ?? OPERATOR_BUNDLE_PATH;
  const bytes = await writeOperatorBundle(outPath);
  console.log(`operator bundle written to ${outPath} (${(bytes / 1024).toFixed(0)} KiB)`);
}
