// Replays recorded histories against the production workflow bundle: a change that would break running
// workflows (non-determinism) fails here. Histories come from real runs on the local stack (see
// test/support/workflow-history.ts) and live in test/histories/.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../../stack/toolchain.js';
import { replayHistoryFile } from '../support/workflow-history.js';

const HISTORIES = join(REPO_ROOT, 'test', 'histories');
const histories = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(histories).toEqual(
      expect.arrayContaining(['pool-workflow.json', 'pause-workflow.json', 'resume-workflow.json', 'snapshot-workflow.json', 'tasks-workflow.json']),
    );
  });

  it.each(histories)(
    'replays %s against dist/workflow-bundle.js without non-determinism',
    async (file) => {
      const path = join(HISTORIES, file);
      expect(await replayHistoryFile(path)).toContain(`replayed ${path}`);
    },
    60_000,
  );
});
