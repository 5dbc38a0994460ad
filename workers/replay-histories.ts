// `node dist/workers/replay-histories.js <history.json>...`: replays recorded workflow histories (JSON as
// `temporal workflow show --output json` prints it) against the pre-built workflow bundle and exits
// non-zero on the first non-determinism. Runs in the worker alone; no Temporal server is involved.
import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { DEFAULT_WORKFLOW_BUNDLE_PATH } from '../config/operator-config.js';
import { operatorDataConverter } from '../kernel/payload-compression.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: replay-histories <history.json>...\n');
  process.exit(2);
}
for (const file of files) {
  const history: unknown = JSON.parse(readFileSync(file, 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: { codePath: DEFAULT_WORKFLOW_BUNDLE_PATH }, dataConverter: operatorDataConverter }, history, file);
  process.stdout.write(`replayed ${file}\n`);
}
