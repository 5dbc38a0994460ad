import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Metafile } from 'esbuild';
import { importedPackages } from '../../images/operator-bundle.js';
import { findPackageDir, keepsPackageFile, packageClosure, packageFiles } from '../../images/runtime-packages.js';

const root = mkdtempSync(join(tmpdir(), 'runtime-packages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writePackage(dir: string, manifest: Record<string, unknown>, files: string[] = ['index.js']): void {
  for (const file of ['package.json', ...files]) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), file === 'package.json' ? JSON.stringify(manifest) : '');
  }
}

// app → a (→ b@2 nested under a, c), c → b@1 (hoisted); d is installed but nobody needs it.
const modules = join(root, 'node_modules');
writePackage(join(modules, 'a'), { name: 'a', dependencies: { b: '2', c: '1' }, optionalDependencies: { absent: '1' } }, [
  'index.js',
  'index.d.ts',
  'lib/x.js.map',
  'README.md',
]);
writePackage(join(modules, 'a', 'node_modules', 'b'), { name: 'b' });
writePackage(join(modules, 'b'), { name: 'b' });
writePackage(join(modules, 'c'), { name: 'c', dependencies: { b: '1' }, peerDependencies: { '@scope/e': '1' } });
writePackage(join(modules, '@scope', 'e'), { name: '@scope/e' });
writePackage(join(modules, 'd'), { name: 'd' });

describe('packageClosure', () => {
  it('follows dependencies the way Node resolves them, nested copies first, and leaves out what nobody imports', () => {
    expect(packageClosure(['a'], root).map((dir) => dir.slice(modules.length + 1))).toEqual(['@scope/e', 'a', 'a/node_modules/b', 'b', 'c']);
  });

  it('names a required package that is not installed', () => {
    expect(() => packageClosure(['missing'], root)).toThrow('package missing (needed from');
    expect(findPackageDir('missing', root)).toBeUndefined();
  });
});

describe('packageFiles', () => {
  it("keeps what Node loads and not the package's nested packages", () => {
    expect(packageFiles(join(modules, 'a'), 'x86_64-unknown-linux-gnu')).toEqual(['index.js', 'package.json']);
  });
});

describe('keepsPackageFile', () => {
  it("keeps only the core bridge's native build for the image's platform", () => {
    const target = 'x86_64-unknown-linux-gnu';
    expect(keepsPackageFile('@temporalio/core-bridge', 'releases/x86_64-unknown-linux-gnu/index.node', target)).toBe(true);
    expect(keepsPackageFile('@temporalio/core-bridge', 'releases/aarch64-apple-darwin/index.node', target)).toBe(false);
    expect(keepsPackageFile('@temporalio/core-bridge', 'sdk-core/Cargo.toml', target)).toBe(false);
    expect(keepsPackageFile('@temporalio/core-bridge', 'lib/index.js', target)).toBe(true);
    expect(keepsPackageFile('other', 'releases/aarch64-apple-darwin/x.js', target)).toBe(true);
    expect(keepsPackageFile('other', 'dist/index.d.mts', target)).toBe(false);
  });
});

describe('importedPackages', () => {
  it('names the packages behind external imports, scoped and sub-path imports included, builtins left out', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'out.js': {
          bytes: 0,
          inputs: {},
          exports: [],
          imports: [
            { path: 'node:fs', kind: 'import-statement', external: true },
            { path: 'assert', kind: 'require-call', external: true },
            { path: 'fs/promises', kind: 'require-call', external: true },
            { path: '@temporalio/workflow/lib/x', kind: 'import-statement', external: true },
            { path: 'pino', kind: 'import-statement', external: true },
            { path: 'zod/v4', kind: 'import-statement', external: true },
            { path: 'src/inlined.ts', kind: 'import-statement' },
          ],
        },
      },
    } as unknown as Metafile;
    expect(importedPackages(metafile)).toEqual(['@temporalio/workflow', 'pino', 'zod']);
  });
});
