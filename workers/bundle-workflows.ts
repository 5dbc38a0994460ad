// Build step: bundles workflows/ once, ahead of time, so production workers load a fixed file
// (`workflowBundle: { codePath }`) instead of running webpack at every start-up.
//   node dist/workers/bundle-workflows.js [outPath]   (default: dist/workflow-bundle.js)
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../config/operator-config.js';
import { withLatin1Source } from '../kernel/latin1-source.js';

/**
 * The workflows entry module: the TypeScript source when running from source (ts-jest), the
 * compiled module when running from dist/. The bundler compiles .ts itself and maps `.js` imports
 * to `.ts` files, so both work.
 */
function workflowsEntryPath(): string {
  const source = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(source) ? source : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

/** Writes the workflow bundle to `outPath` and returns its size in bytes. */
export async function bundleOperatorWorkflows(outPath: string = DEFAULT_WORKFLOW_BUNDLE_PATH): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsEntryPath(),
    // webpack's statistics at INFO are noise; errors still surface (and reject).
    logger: new DefaultLogger('WARN'),
    // The worker needs an inline source map (it maps workflow stack traces with it) and keeps it in memory
    // twice, as text in both threads, and parsed into a WebAssembly memory the first time a stack is mapped
    // (9 MB in the workflow thread, heap snapshot of 2026-12-05). Line-only mappings to the original
    // sources, without their text, keep every frame's file and line.
    webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-cheap-module-source-map' }),
  });
  const slim = withLatin1Source(code);
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, slim);
  return Buffer.byteLength(slim);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outPath = process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH;
  const bytes = await bundleOperatorWorkflows(outPath);
  console.log(`workflow bundle written to ${outPath} (${(bytes / 1024).toFixed(0)} KiB)`);
}
