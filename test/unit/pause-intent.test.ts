// The pause/resume dispatch decision: every (intent, phase, new generation?) combination the server
// protocol can produce, the retry bridge, upstream's "5 cases", and the R1 / B12 fixes.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandboxPhase } from '../../api/v1alpha1/conditions.js';
import type { SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { decidePauseIntent, type PauseIntentDecision } from '../../planners/lifecycle/pause-intent.js';
import { aBatchSandbox, type BatchSandboxBuilder } from '../builders/batch-sandbox.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

/** A sandbox at `generation` whose intent was last acknowledged at `observed`. */
function sandbox(phase: BatchSandboxPhase | undefined, pause: boolean | undefined, generation: number, observed: number): BatchSandboxBuilder {
  const builder = aBatchSandbox('bs').template().generation(generation).pause(pause);
  return phase === undefined && observed === 0 ? builder : builder.status({ ...(phase ? { phase } : {}), pauseObservedGeneration: observed });
}

const goodSnapshot = (generation = 2) => aSandboxSnapshot('bs-pause').pauseOf(aBatchSandbox('bs').build(), generation).succeeded().build();

type Row = [string, BatchSandboxBuilder, SandboxSnapshot[], PauseIntentDecision | Partial<PauseIntentDecision>];

describe('decidePauseIntent', () => {
  it.each<Row>([
    // Pause
    ['pause=true on a running sandbox starts a pause', sandbox('Succeed', true, 2, 1), [], { action: 'startPause', generation: 2 }],
    [
      'pause=true on a sandbox with several replicas starts a pause (beyond upstream)',
      sandbox('Succeed', true, 2, 1).replicas(3),
      [],
      { action: 'startPause', generation: 2 },
    ],
    [
      'pause=true with replicas 0 is rejected',
      sandbox('Succeed', true, 2, 1).replicas(0),
      [],
      { action: 'reject', condition: 'PauseFailed', reason: 'UnsupportedReplicas', message: 'pause needs at least one replica; got spec.replicas=0' },
    ],
    [
      'pause=true while Pending is rejected, not left hanging',
      sandbox('Pending', true, 2, 1),
      [],
      {
        action: 'reject',
        generation: 2,
        condition: 'PauseFailed',
        reason: 'NotRunning',
        message: 'pause needs a running sandbox (phase Succeed); phase is Pending',
      },
    ],
    [
      'pause=true before any status is rejected',
      sandbox(undefined, true, 1, 0),
      [],
      { action: 'reject', condition: 'PauseFailed', reason: 'NotRunning', message: 'pause needs a running sandbox (phase Succeed); phase is unset' },
    ],
    ['pause=true on a Failed sandbox is rejected', sandbox('Failed', true, 3, 2), [], { action: 'reject', condition: 'PauseFailed', reason: 'NotRunning' }],
    // R1: spec changes while paused
    [
      'R1: a renewal while Paused (pause=true, new generation) is only acknowledged',
      sandbox('Paused', true, 5, 4),
      [goodSnapshot()],
      { action: 'acknowledge', generation: 5 },
    ],
    [
      'R1: even with no snapshot in sight, Paused + pause=true never re-runs the pause',
      sandbox('Paused', true, 5, 4),
      [],
      { action: 'acknowledge', generation: 5 },
    ],
    [
      'a renewal after a resume (pause=false, Succeed) is only acknowledged (B12)',
      sandbox('Succeed', false, 7, 6),
      [],
      { action: 'acknowledge', generation: 7 },
    ],
    // Resume
    [
      'pause=false on a Paused sandbox with its snapshot starts a resume',
      sandbox('Paused', false, 6, 5),
      [goodSnapshot()],
      { action: 'startResume', generation: 6 },
    ],
    [
      'pause=false on a Paused sandbox without snapshot is rejected, staying Paused',
      sandbox('Paused', false, 6, 5),
      [],
      { action: 'reject', condition: 'ResumeFailed', reason: 'SnapshotNotFound', message: 'SandboxSnapshot bs-pause not found' },
    ],
    [
      'pause=false with an unfinished snapshot is rejected',
      sandbox('Paused', false, 6, 5),
      [aSandboxSnapshot('bs-pause').pauseOf(aBatchSandbox('bs').build()).phase('Committing').build()],
      { action: 'reject', condition: 'ResumeFailed', reason: 'SnapshotNotReady', message: 'snapshot bs-pause not ready: phase=Committing' },
    ],
    [
      'a snapshot of the same name controlled by another sandbox (other UID) does not count',
      sandbox('Paused', false, 6, 5),
      [
        aSandboxSnapshot('bs-pause')
          .pauseOf({ ...aBatchSandbox('bs').build(), metadata: { name: 'bs', uid: 'old-uid' } })
          .succeeded()
          .build(),
      ],
      { action: 'reject', reason: 'SnapshotNotFound' },
    ],
    [
      'pause=false while Pending is rejected',
      sandbox('Pending', false, 2, 1),
      [],
      { action: 'reject', condition: 'ResumeFailed', reason: 'NotPaused', message: 'resume needs a paused sandbox (phase Paused); phase is Pending' },
    ],
    [
      'pause=false on a sandbox whose resume failed (Failed) is rejected',
      sandbox('Failed', false, 8, 7),
      [goodSnapshot()],
      { action: 'reject', condition: 'ResumeFailed', reason: 'NotPaused' },
    ],
    // Operations in progress
    ['pause=false while Pausing cancels the pause', sandbox('Pausing', false, 3, 2), [], { action: 'cancelPause', generation: 3 }],
    [
      'a renewal while Pausing is left to the pause of its generation, kept alive',
      sandbox('Pausing', true, 3, 2),
      [],
      { action: 'ensurePause', generation: 2 },
    ],
    ['pause unset while Pausing does not stop the pause', sandbox('Pausing', undefined, 3, 2), [], { action: 'ensurePause', generation: 2 }],
    ['pause=false while Resuming: resume in progress', sandbox('Resuming', false, 9, 8), [], { action: 'none', why: 'resume in progress' }],
    [
      'pause=true while Resuming waits, unacknowledged, for the resume to finish',
      sandbox('Resuming', true, 9, 8),
      [],
      { action: 'none', why: 'pause waits for the resume in progress' },
    ],
    // No intent, retry bridge, same generation
    ['pause unset with a new generation is acknowledged', sandbox('Succeed', undefined, 4, 3), [], { action: 'acknowledge', generation: 4, why: 'no intent' }],
    ['same generation, pause=true: nothing to do', sandbox('Succeed', true, 4, 4), [], { action: 'none' }],
    ['same generation, pause=false: nothing to do', sandbox('Paused', false, 4, 4), [], { action: 'none' }],
    ['a sandbox being deleted gets nothing started', sandbox('Succeed', true, 2, 1).deleting(), [], { action: 'none', why: 'sandbox is being deleted' }],
  ])('%s', (_name, builder, snapshots, expected) => {
    expect(decidePauseIntent({ sandbox: builder.build(), snapshots })).toMatchObject(expected);
  });

  describe('the retry bridge (server-integration §1.6)', () => {
    const failed = (pause: boolean | undefined, generation: number, observed: number) =>
      sandbox('Succeed', pause, generation, observed)
        .status({
          phase: 'Succeed',
          pauseObservedGeneration: observed,
          conditions: [{ type: 'PauseFailed', status: 'True', reason: 'SnapshotFailed', message: 'push denied' }],
        })
        .build();

    it('after PauseFailed, pause:null is acknowledged, then pause:true starts a new pause', () => {
      expect(decidePauseIntent({ sandbox: failed(undefined, 4, 3), snapshots: [] })).toEqual({ action: 'acknowledge', generation: 4, why: 'no intent' });
      expect(decidePauseIntent({ sandbox: failed(true, 5, 4), snapshots: [] })).toEqual({ action: 'startPause', generation: 5 });
    });

    it('also when only the final pause:true generation is observed', () => {
      expect(decidePauseIntent({ sandbox: failed(true, 5, 3), snapshots: [] })).toEqual({ action: 'startPause', generation: 5 });
    });

    it('without the bridge, a failed pause is not retried', () => {
      expect(decidePauseIntent({ sandbox: failed(true, 3, 3), snapshots: [] })).toMatchObject({ action: 'none' });
    });

    it('after ResumeFailed (Paused), null then false starts a new resume', () => {
      const paused = (pause: boolean | undefined, generation: number, observed: number) =>
        sandbox('Paused', pause, generation, observed)
          .status({ phase: 'Paused', pauseObservedGeneration: observed, conditions: [{ type: 'ResumeFailed', status: 'True', reason: 'SnapshotNotReady' }] })
          .build();
      expect(decidePauseIntent({ sandbox: paused(undefined, 7, 6), snapshots: [goodSnapshot()] })).toMatchObject({ action: 'acknowledge', generation: 7 });
      expect(decidePauseIntent({ sandbox: paused(false, 8, 7), snapshots: [goodSnapshot()] })).toEqual({ action: 'startResume', generation: 8 });
    });
  });

  it('a sandbox with several replicas resumes only when every replica has its snapshot', () => {
    const bs = sandbox('Paused', false, 6, 5).replicas(2).build();
    const owner = aBatchSandbox('bs').build();
    const first = aSandboxSnapshot('bs-pause').pauseOf(owner).succeeded().build();
    const second = aSandboxSnapshot('bs-pause-1').pauseOf(owner).succeeded().build();
    expect(decidePauseIntent({ sandbox: bs, snapshots: [first] })).toMatchObject({ action: 'reject', message: 'SandboxSnapshot bs-pause-1 not found' });
    expect(decidePauseIntent({ sandbox: bs, snapshots: [first, second] })).toEqual({ action: 'startResume', generation: 6 });
  });
});
