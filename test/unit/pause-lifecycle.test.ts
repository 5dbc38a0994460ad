// Every row of the BatchSandbox lifecycle table (spec §6.5), each checked against the planner that
// owns it: the runtime status planner (pod-driven rows), the dispatch decision (new generations) and the
// pause/resume status transitions (workflow outcomes). Deliberate differences from upstream are named.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import type { BatchSandboxCondition, BatchSandboxPhase } from '../../api/v1alpha1/conditions.js';
import { computeRuntimeStatus } from '../../planners/sandbox/batch-sandbox-status.js';
import { decidePauseIntent } from '../../planners/lifecycle/pause-intent.js';
import { nextPauseStatus, pauseFailedEvent, resumeBlockedEvent, snapshotPauseFailure } from '../../planners/lifecycle/pause-status.js';
import { resumeProgress } from '../../planners/lifecycle/resume-progress.js';
import { selectResumeSources } from '../../planners/lifecycle/resume-source.js';
import { resumeSpecPatch } from '../../planners/lifecycle/resume-template.js';
import { nextSnapshotStatus } from '../../planners/lifecycle/snapshot-status.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';
import { FakeClock } from '../support/fake-clock.js';

const now = new FakeClock('2026-03-01T10:00:00Z').now();
const types = (conditions: readonly BatchSandboxCondition[] | undefined) => (conditions ?? []).map((c) => c.type);
const reasonOf = (sandboxStatus: BatchSandbox['status'], type: BatchSandboxCondition['type']) =>
  sandboxStatus?.conditions?.find((c) => c.type === type)?.reason;

function inPhase(phase: BatchSandboxPhase | undefined, pause?: boolean, conditions: BatchSandboxCondition[] = []): BatchSandbox {
  const builder = aBatchSandbox('bs').template().generation(5).pause(pause);
  return (phase === undefined ? builder : builder.status({ phase, pauseObservedGeneration: 4, conditions })).build();
}
const readyPod = () => aPod('bs-0').ready().build();
const failingPod = () => aPod('bs-0').phase('Pending').waiting('ErrImagePull').build();
const owner = aBatchSandbox('bs').build();
const snapshot = (phase?: 'Pending' | 'Committing' | 'Succeed' | 'Failed') => {
  const builder = aSandboxSnapshot('bs-pause').pauseOf(owner);
  return (phase === 'Succeed' ? builder.succeeded() : phase ? builder.phase(phase) : builder).build();
};
const failedSnapshot = () => ({
  ...snapshot('Committing'),
  status: nextSnapshotStatus(snapshot('Committing'), { type: 'failed', reason: 'CommitJobFailed', message: 'BackoffLimitExceeded: push denied' }, now),
});
/** What the failed snapshot says (its Failed condition), as its snapshot workflow reports it to the pause. */
const snapshotFailure = () => failedSnapshot().status.conditions!.find((c) => c.type === 'Failed')!;

describe('BatchSandbox lifecycle (spec §6.5)', () => {
  it('"" + first pod observed -> Pending / Succeed', () => {
    expect(computeRuntimeStatus({ sandbox: inPhase(undefined), pods: [aPod('bs-0').build()], now }).status.phase).toBe('Pending');
    expect(computeRuntimeStatus({ sandbox: inPhase(undefined), pods: [readyPod()], now }).status.phase).toBe('Succeed');
  });

  it('Pending + a ready pod -> Succeed with Ready', () => {
    const { status } = computeRuntimeStatus({ sandbox: inPhase('Pending'), pods: [readyPod()], now });
    expect(status.phase).toBe('Succeed');
    expect(types(status.conditions)).toEqual(['Ready']);
  });

  it.each<BatchSandboxPhase | undefined>(['Pending', 'Succeed', undefined])('%s + a failing pod -> Failed with PodFailed, sticky', (phase) => {
    const { status } = computeRuntimeStatus({ sandbox: inPhase(phase), pods: [failingPod()], now });
    expect(status.phase).toBe('Failed');
    expect(types(status.conditions)).toEqual(['PodFailed']);
    const later = computeRuntimeStatus({ sandbox: { ...inPhase('Failed'), status }, pods: [readyPod()], now }).status;
    expect(later.phase).toBe('Failed');
  });

  it('not Pausing/Resuming + new generation, pause=true, replicas != 1 -> unchanged + PauseFailed(UnsupportedReplicas): only for 0 here, several replicas are paused', () => {
    const none = { ...inPhase('Succeed', true), spec: { ...inPhase('Succeed', true).spec, replicas: 0 } };
    const decision = decidePauseIntent({ sandbox: none, snapshots: [] });
    expect(decision).toMatchObject({ action: 'reject', reason: 'UnsupportedReplicas' });
    if (decision.action !== 'reject') throw new Error('unreachable');
    const status = nextPauseStatus(none, { type: 'intentRejected', ...decision }, now);
    expect(status.phase).toBe('Succeed');
    expect(reasonOf(status, 'PauseFailed')).toBe('UnsupportedReplicas');
    const several = { ...inPhase('Succeed', true), spec: { ...inPhase('Succeed', true).spec, replicas: 2 } };
    expect(decidePauseIntent({ sandbox: several, snapshots: [] }).action).toBe('startPause');
  });

  it('not Pausing/Resuming + new generation, pause=true -> Pausing, PauseFailed cleared', () => {
    const sandbox = inPhase('Succeed', true, [{ type: 'PauseFailed', status: 'True', reason: 'SnapshotFailed' }]);
    expect(decidePauseIntent({ sandbox, snapshots: [] }).action).toBe('startPause');
    const status = nextPauseStatus(sandbox, { type: 'pauseStarted' }, now);
    expect(status.phase).toBe('Pausing');
    expect(types(status.conditions)).toEqual(['Progressing']);
  });

  it('Pausing + snapshot Succeed -> Paused', () => {
    const committed = nextSnapshotStatus(
      snapshot('Committing'),
      { type: 'committed', result: { containers: [{ name: 'sandbox', image: 'r/bs-sandbox:snap-gen5', digest: 'sha256:1' }] } },
      now,
    );
    expect(committed.phase).toBe('Succeed');
    const status = nextPauseStatus(inPhase('Pausing', true), { type: 'pauseSucceeded' }, now);
    expect(status.phase).toBe('Paused');
    expect(types(status.conditions)).toEqual(['Paused']);
  });

  it('Pausing + snapshot Failed, pod exists -> Succeed + PauseFailed(SnapshotFailed)', () => {
    const status = nextPauseStatus(inPhase('Pausing', true), pauseFailedEvent(snapshotPauseFailure(snapshotFailure()), true), now);
    expect(status.phase).toBe('Succeed');
    expect(status.conditions?.find((c) => c.type === 'PauseFailed')).toMatchObject({ reason: 'SnapshotFailed', message: 'BackoffLimitExceeded: push denied' });
  });

  it('Pausing + snapshot Failed, no pod -> Failed + PauseFailed(PodNotFound)', () => {
    const status = nextPauseStatus(inPhase('Pausing', true), pauseFailedEvent(snapshotPauseFailure(snapshotFailure()), false), now);
    expect(status.phase).toBe('Failed');
    expect(reasonOf(status, 'PauseFailed')).toBe('PodNotFound');
  });

  it('new generation, pause=false -> Resuming, ResumeFailed cleared (only from Paused here: B12)', () => {
    const sandbox = inPhase('Paused', false, [{ type: 'ResumeFailed', status: 'True', reason: 'SnapshotNotReady' }]);
    expect(decidePauseIntent({ sandbox, snapshots: [snapshot('Succeed')] }).action).toBe('startResume');
    const status = nextPauseStatus(sandbox, { type: 'resumeStarted' }, now);
    expect(status.phase).toBe('Resuming');
    expect(types(status.conditions)).toEqual(['Progressing']);
    expect(decidePauseIntent({ sandbox: inPhase('Succeed', false), snapshots: [] }).action).toBe('acknowledge');
  });

  it('Resuming + snapshot missing, ready pod -> Succeed, ResumeFailed/PodFailed cleared', () => {
    const sandbox = inPhase('Resuming', false, [{ type: 'PodFailed', status: 'True', reason: 'ErrImagePull' }]);
    const blocked = selectResumeSources(sandbox, []);
    if (blocked.ok) throw new Error('expected no snapshot');
    const status = nextPauseStatus(sandbox, resumeBlockedEvent(blocked, true), now);
    expect(status.phase).toBe('Succeed');
    expect(types(status.conditions)).toEqual(['Ready']);
  });

  it('Resuming + snapshot missing, no ready pod -> Paused + ResumeFailed(SnapshotNotFound)', () => {
    const sandbox = inPhase('Resuming', false);
    const blocked = selectResumeSources(sandbox, []);
    if (blocked.ok) throw new Error('expected no snapshot');
    const status = nextPauseStatus(sandbox, resumeBlockedEvent(blocked, false), now);
    expect(status.phase).toBe('Paused');
    expect(reasonOf(status, 'ResumeFailed')).toBe('SnapshotNotFound');
  });

  it('Resuming + snapshot not Succeed -> Paused + ResumeFailed(SnapshotNotReady)', () => {
    const sandbox = inPhase('Resuming', false);
    const blocked = selectResumeSources(sandbox, [snapshot('Committing')]);
    if (blocked.ok) throw new Error('expected a snapshot not ready');
    const status = nextPauseStatus(sandbox, resumeBlockedEvent(blocked, false), now);
    expect(status.phase).toBe('Paused');
    expect(status.conditions?.find((c) => c.type === 'ResumeFailed')).toMatchObject({
      reason: 'SnapshotNotReady',
      message: 'snapshot bs-pause not ready: phase=Committing',
    });
  });

  it('Resuming + snapshot Succeed -> Resuming with the template images rewritten', () => {
    const sandbox = inPhase('Resuming', false);
    const sources = selectResumeSources(sandbox, [snapshot('Succeed')]);
    if (!sources.ok) throw new Error(sources.message);
    const patch = resumeSpecPatch(sandbox, sources.restores);
    expect(patch.ok && patch.patch.spec.template.spec.containers[0]!.image).toBe('registry.local/bs-sandbox:snap-gen2');
    expect(resumeProgress([], 1)).toEqual({ state: 'waiting', ready: 0, missing: 1 });
  });

  it('Resuming + failing pod -> Failed + ResumeFailed + PodFailed', () => {
    const progress = resumeProgress([failingPod()], 1);
    if (progress.state !== 'failed') throw new Error(`expected failed, got ${progress.state}`);
    const status = nextPauseStatus(
      inPhase('Resuming', false),
      {
        type: 'resumeFailed',
        phase: 'Failed',
        reason: progress.resumeFailed.reason,
        message: progress.resumeFailed.message,
        podFailed: progress.podFailed,
      },
      now,
    );
    expect(status.phase).toBe('Failed');
    expect(types(status.conditions)).toEqual(['ResumeFailed', 'PodFailed']);
    expect(reasonOf(status, 'ResumeFailed')).toBe('ErrImagePull');
  });

  it('Resuming + ready pod -> Succeed', () => {
    expect(resumeProgress([readyPod()], 1)).toEqual({ state: 'ready' });
    expect(nextPauseStatus(inPhase('Resuming', false), { type: 'resumeSucceeded' }, now).phase).toBe('Succeed');
  });
});
