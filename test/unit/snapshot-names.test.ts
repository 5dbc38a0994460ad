// Names of snapshots, Jobs and images (spec §6.9, §12), replicas > 1 and over-long names (B17).
import { describe, expect, it } from '@jest/globals';
import {
  commitJobName,
  pauseSnapshotIndex,
  pauseSnapshotName,
  snapshotImageTag,
  snapshotImageUri,
  unpauseJobName,
} from '../../planners/lifecycle/snapshot-names.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

describe('snapshot names', () => {
  it('names the pause snapshot of each replica and finds the replica back', () => {
    expect([0, 1, 12].map((i) => pauseSnapshotName('bs', i))).toEqual(['bs-pause', 'bs-pause-1', 'bs-pause-12']);
    expect(['bs-pause', 'bs-pause-1', 'bs-pause-12'].map((n) => pauseSnapshotIndex('bs', n))).toEqual([0, 1, 12]);
    expect(['bs-pause-0', 'bs-pause-x', 'other-pause', 'bs-pause-1-pause', 'bs'].map((n) => pauseSnapshotIndex('bs', n))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('names the Jobs after the snapshot, within the 63 characters of a label value', () => {
    expect(commitJobName('bs-pause')).toBe('bs-pause-commit');
    expect(unpauseJobName('bs-pause')).toBe('bs-pause-unpause');
    const long = commitJobName(`${'s'.repeat(70)}-pause`);
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^s+-[0-9a-f]{8}$/);
    expect(commitJobName(`${'s'.repeat(70)}-pause`)).toBe(long);
    expect(commitJobName(`${'s'.repeat(71)}-pause`)).not.toBe(long);
  });

  it.each<[string, ReturnType<typeof aSandboxSnapshot>, number, string]>([
    ['an internal pause snapshot: snap-gen<generation>', aSandboxSnapshot('bs-pause').pauseOf(aBatchSandbox('bs').build(), 7), 0, 'snap-gen7'],
    ['replica 2 of an internal pause snapshot', aSandboxSnapshot('bs-pause-2').pauseOf(aBatchSandbox('bs').build(), 7), 2, 'snap-gen7-r2'],
    ['a server snapshot osb-snap-<hex>: snap-<hex>', aSandboxSnapshot(`osb-snap-${'ab12'.repeat(8)}`), 0, `snap-${'ab12'.repeat(8)}`],
    // The first 32 hex characters of sha256("my-snapshot").
    ['any other name: snap-<first 32 hex of sha256(name)>', aSandboxSnapshot('my-snapshot'), 0, 'snap-0a674f4b6754d23bc25d2d04ca6ea20e'],
  ])('tags %s', (_name, builder, index, tag) => {
    expect(snapshotImageTag(builder.build(), 7, index)).toBe(tag);
  });

  it('builds <registry>/<bs>-<container>:<tag>, lower-case repository, registry path kept', () => {
    expect(snapshotImageUri('registry.local:5000', 'bs', 'sandbox', 'snap-gen3')).toBe('registry.local:5000/bs-sandbox:snap-gen3');
    expect(snapshotImageUri('registry.local:5000/snapshots/', 'bs', 'Main', 'snap-gen3')).toBe('registry.local:5000/snapshots/bs-main:snap-gen3');
    const uri = snapshotImageUri('r', 'b'.repeat(120), 'sandbox', 't');
    expect(uri.split('/')[1]!.split(':')[0]).toHaveLength(128);
  });
});
