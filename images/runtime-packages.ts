// The installed npm packages a bundled program still imports at run time (those it leaves external), with
// everything they depend on, as found by Node's own lookup (node_modules of the importing package, then
// of each parent directory). Only files Node can load go into an image: type declarations, source maps,
// docs and the native builds for other platforms stay out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

interface PackageManifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The directory Node would load `name` from when imported by a file in `fromDir`, or undefined. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Every package directory `roots` need, themselves included. A missing dependency is an error; a missing
 * optional or peer dependency is not (npm did not install it, so Node cannot load it either).
 */
export function packageClosure(roots: readonly string[], fromDir: string): string[] {
  const found = new Set<string>();
  const visit = (name: string, from: string, required: boolean): void => {
    const dir = findPackageDir(name, from);
    if (dir === undefined) {
      if (required) throw new Error(`package ${name} (needed from ${from}) is not installed; run npm ci`);
      return;
    }
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, true);
    for (const dep of Object.keys({ ...manifest.optionalDependencies, ...manifest.peerDependencies })) visit(dep, dir, false);
  };
  for (const root of roots) visit(root, fromDir, true);
  return [...found].sort();
}

/** Files Node never loads at run time. */
const NOT_LOADED = /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.tsbuildinfo)$/i;

/**
 * Whether the file at `path` (relative to the package directory) is kept. The Temporal core bridge ships
 * its Rust sources and a native build per platform (~140 MB); only the one for `nativeTarget` is loaded.
 */
export function keepsPackageFile(packageName: string, path: string, nativeTarget: string): boolean {
  if (NOT_LOADED.test(path)) return false;
  if (packageName !== '@temporalio/core-bridge') return true;
  const [top, second] = path.split('/');
  if (top === 'releases') return second === nativeTarget;
  return !['sdk-core', 'src', 'bridge-macros', 'scripts', 'Cargo.toml', 'Cargo.lock'].includes(top!);
}

/** The kept files of the package at `dir`, relative to it, '/'-separated, sorted. */
export function packageFiles(dir: string, nativeTarget: string): string[] {
  const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest).name;
  const files: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      // A package's own node_modules holds other packages; the closure lists those it needs.
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile()) {
        const rel = relative(dir, path).split(sep).join('/');
        if (keepsPackageFile(name, rel, nativeTarget)) files.push(rel);
      }
    }
  };
  walk(dir);
  return files.sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
