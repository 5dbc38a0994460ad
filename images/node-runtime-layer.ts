// The Node.js runtime as an image layer: the pinned node binary and the shared libraries it links
// (glibc, libstdc++), taken from this machine's Debian packages where the dynamic loader expects them.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { TarEntry } from '../oci/reproducible-tar.js';
import { parentDirectories, type ProjectImageLayer } from './project-image.js';

export const NODE_IN_IMAGE = '/usr/local/bin/node';

/** `ldd` output → the absolute paths the loader resolves (the vDSO has none). */
export function linkedLibraries(lddOutput: string): string[] {
  const paths: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const match = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match) paths.push(match[1]!);
  }
  return paths;
}

/**
 * `nativeAddons`: native modules the program loads (`.node` files); the libraries they link go in too
 * (the Temporal core bridge needs librt, which node does not).
 */
export function nodeRuntimeLayer(nodeBinary: string, nativeAddons: readonly string[] = []): ProjectImageLayer {
  return {
    name: 'node runtime',
    entries: async () => {
      const libraries = [
        ...new Set([nodeBinary, ...nativeAddons].flatMap((binary) => linkedLibraries(execFileSync('ldd', [binary], { encoding: 'utf8' })))),
      ].sort();
      if (libraries.length === 0) throw new Error(`ldd found no libraries for ${nodeBinary}`);
      const files: TarEntry[] = [
        { type: 'file', path: NODE_IN_IMAGE, source: nodeBinary, mode: 0o755 },
        ...libraries.map((lib): TarEntry => ({ type: 'file', path: lib, source: realpathSync(lib), mode: 0o755 })),
      ];
      return [...parentDirectories(files.map((f) => f.path)), ...files];
    },
  };
}
