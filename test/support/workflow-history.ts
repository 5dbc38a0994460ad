// Workflow histories from the local stack's Temporal server: saved into test/histories/, which
// test/integration/workflow-replay.test.ts replays against the production bundle (tests save them only
// when RECORD_WORKFLOW_HISTORIES is set, e.g.
// `RECORD_WORKFLOW_HISTORIES=1 ./scripts/test --selectProjects integration --testPathPatterns 'pooled|pool-recycle'`),
// or replayed at once by the test that made them.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, resolveToolchain } from '../../stack/toolchain.js';
import { testStackInfo } from './stack.js';

export const recordingWorkflowHistories = (): boolean => Boolean(process.env.RECORD_WORKFLOW_HISTORIES);

/** A workflow's history so far, as `temporal workflow show --output json` prints it. */
function workflowHistoryJson(workflowId: string): string {
  const { temporalAddress } = testStackInfo();
  return execFileSync(resolveToolchain().temporal, ['workflow', 'show', '--workflow-id', workflowId, '--address', temporalAddress, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

export function saveWorkflowHistory(workflowId: string, file: string): void {
  writeFileSync(join(REPO_ROOT, 'test', 'histories', file), workflowHistoryJson(workflowId));
}

/**
 * Replays a history file against the production bundle (dist/, built before the tests) and returns what
 * the replay process printed; it fails on nondeterminism. Its own process: the SDK's history decoding does
 * not survive jest's module sandbox.
 */
export async function replayHistoryFile(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'workers', 'replay-histories.js'), file]);
  return stdout;
}

/** Replays a workflow's history so far (workflowId's current run) against the production bundle. */
export async function replayWorkflowHistory(workflowId: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'opensandbox-history-'));
  try {
    const file = join(dir, 'history.json');
    writeFileSync(file, workflowHistoryJson(workflowId));
    return await replayHistoryFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
