// Saves a workflow's history from the local stack's Temporal server into test/histories/, which
// test/integration/workflow-replay.test.ts replays against the production bundle. Tests call it only
// when RECORD_WORKFLOW_HISTORIES is set, e.g.
// `RECORD_WORKFLOW_HISTORIES=1 ./scripts/test --selectProjects integration --testPathPatterns 'pooled|pool-recycle'`.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, resolveToolchain } from '../../stack/toolchain.js';
import { testStackInfo } from './stack.js';

export const recordingWorkflowHistories = (): boolean => Boolean(process.env.RECORD_WORKFLOW_HISTORIES);

export function saveWorkflowHistory(workflowId: string, file: string): void {
  const { temporalAddress } = testStackInfo();
  const json = execFileSync(resolveToolchain().temporal, ['workflow', 'show', '--workflow-id', workflowId, '--address', temporalAddress, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  writeFileSync(join(REPO_ROOT, 'test', 'histories', file), json);
}
