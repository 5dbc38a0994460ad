// Replays recorded histories against the production workflow bundle: a change that would break running
// workflows (non-determinism) fails here. Histories come from real runs on the local stack (see
// test/support/workflow-history.ts) and live in test/histories/. The replay runs as its own
// process (workers/replay-histories.ts): the SDK's history decoding does not survive jest's module
// sandbox.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../../stack/toolchain.js';

const HISTORIES = join(REPO_ROOT, 'test', 'histories');
const histories = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

/** Replays one history file against the production bundle; the replay process fails on nondeterminism. */
async function expectReplayed(file: string): Promise<void> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'workers', 'replay-histories.js'), file]);
  expect(stdout).toContain(`replayed ${file}`);
}

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(histories).toEqual(
      expect.arrayContaining(['pool-workflow.json', 'pause-workflow.json', 'resume-workflow.json', 'snapshot-workflow.json', 'tasks-workflow.json']),
    );
  });

  it.each(histories)(
    'replays %s against dist/workflow-bundle.js without non-determinism',
    async (file) => {
      await expectReplayed(join(HISTORIES, file));
    },
    60_000,
  );

  // A pool run stuck on nondeterminism in the 1,000-sandbox benchmark with three operator processes
  // (2026-12-05): an observation (local activity) outlived three workflow tasks (heartbeated) while the
  // upkeep's status write ended. The original stamped that write with the clock of the task that brought
  // its end (10:32:57.5) and the observation with its own completion (10:33:07.8): over the 5 s settle
  // (planners/pool/pool-status.ts, lastWrittenStatusHolds), so the round wrote the status again. On replay
  // both resolve in one activation whose clock is the observation's completion: the write looks 0 s old
  // and the round writes nothing.
  it.skip('replays known-nondeterminism/pool-workflow-clock-after-heartbeat.json (issue 15: the round clock after a heartbeated local activity)', async () => {
    await expectReplayed(join(HISTORIES, 'known-nondeterminism', 'pool-workflow-clock-after-heartbeat.json'));
  }, 60_000);
});
