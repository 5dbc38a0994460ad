// A program of this repository bundled with its dependencies into one CommonJS file whose shebang names
// the Node runtime in the image (node-runtime-layer.ts), so the image needs no shell to start it.
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../stack/toolchain.js';
import { NODE_IN_IMAGE } from './node-runtime-layer.js';

/** `entry`: the program's main module, relative to the repository root (e.g. `image-committer/main.ts`). */
export async function bundledProgram(entry: string): Promise<Buffer> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    banner: { js: `#!${NODE_IN_IMAGE}` },
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}
