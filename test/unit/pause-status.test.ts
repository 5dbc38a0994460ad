// BatchSandbox status transitions of pause and resume: phase, base condition, lifecycle conditions with
// their lastTransitionTime, counters, and when pauseObservedGeneration is acknowledged.
import { describe, expect, it } from '@jest/globals';
import type { BatchSandboxStatus } from '../../api/v1alpha1/batch-sandbox.js';
import type { BatchSandboxCondition } from '../../api/v1alpha1/conditions.js';
import { nextPauseStatus, outcomeStillApplies, type PauseLifecycleEvent } from '../../planners/lifecycle/pause-status.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { FakeClock } from '../support/fake-clock.js';

const clock = new FakeClock('2026-03-01T10:00:00Z');
const NOW = '2026-03-01T10:00:00Z';
const EARLIER = '2026-02-01T00:00:00Z';

const cond = (type: BatchSandboxCondition['type'], reason: string, message: string, at = NOW): BatchSandboxCondition => ({
  type,
  status: 'True',
  reason,
  message,
  lastTransitionTime: at,
});
const READY = cond('Ready', 'PodsReady', 'Sandbox is running', EARLIER);
const PAUSE_FAILED = cond('PauseFailed', 'SnapshotFailed', 'push denied', EARLIER);

describe('nextPauseStatus', () => {
  const running = (pause: boolean | undefined = true) =>
    aBatchSandbox('bs')
      .template()
      .generation(5)
      .pause(pause)
      .status({ phase: 'Succeed', replicas: 1, allocated: 1, ready: 1, pauseObservedGeneration: 3, conditions: [READY, PAUSE_FAILED] })
      .build();

  it.each<[string, PauseLifecycleEvent, object]>([
    [
      'pauseStarted: Pausing, Progressing replaces Ready, PauseFailed removed, acknowledged',
      { type: 'pauseStarted' },
      { phase: 'Pausing', pauseObservedGeneration: 5, conditions: [cond('Progressing', 'PauseInProgress', 'Pausing sandbox')] },
    ],
    [
      'pauseFailed with pods kept: Succeed + PauseFailed (new reason and time)',
      { type: 'pauseFailed', reason: 'Timeout', message: 'commit job bs-pause-commit ran longer than its deadline', podsKept: true },
      {
        phase: 'Succeed',
        replicas: 1,
        ready: 1,
        pauseObservedGeneration: 5,
        conditions: [READY, cond('PauseFailed', 'Timeout', 'commit job bs-pause-commit ran longer than its deadline')],
      },
    ],
    [
      'pauseFailed without pods: Failed, no base condition, counters 0',
      { type: 'pauseFailed', reason: 'PodNotFound', message: 'source pod not found', podsKept: false },
      { phase: 'Failed', replicas: 0, allocated: 0, ready: 0, conditions: [cond('PauseFailed', 'PodNotFound', 'source pod not found')] },
    ],
    [
      'intentRejected: phase and base condition unchanged, condition set, acknowledged',
      { type: 'intentRejected', condition: 'ResumeFailed', reason: 'NotPaused', message: 'resume needs a paused sandbox' },
      { phase: 'Succeed', pauseObservedGeneration: 5, conditions: [READY, PAUSE_FAILED, cond('ResumeFailed', 'NotPaused', 'resume needs a paused sandbox')] },
    ],
    [
      'intentAcknowledged: only the acknowledgement',
      { type: 'intentAcknowledged' },
      { phase: 'Succeed', pauseObservedGeneration: 5, conditions: [READY, PAUSE_FAILED] },
    ],
  ])('%s', (_name, event, expected) => {
    expect(nextPauseStatus(running(), event, clock.now())).toMatchObject(expected);
  });

  it('keeps lastTransitionTime of a condition whose reason and message are unchanged', () => {
    const status = nextPauseStatus(running(), { type: 'pauseFailed', reason: 'SnapshotFailed', message: 'push denied', podsKept: true }, clock.now());
    expect(status.conditions).toEqual([READY, PAUSE_FAILED]);
  });

  it('pauseSucceeded: Paused with the Paused condition, PauseFailed removed (successful retry), pods counted 0', () => {
    const pausing = aBatchSandbox('bs')
      .template()
      .generation(5)
      .pause(true)
      .status({
        phase: 'Pausing',
        replicas: 1,
        allocated: 1,
        ready: 1,
        taskRunning: 1,
        pauseObservedGeneration: 4,
        conditions: [cond('Progressing', 'PauseInProgress', 'Pausing sandbox', EARLIER), PAUSE_FAILED],
      })
      .build();
    expect(nextPauseStatus(pausing, { type: 'pauseSucceeded' }, clock.now())).toEqual({
      phase: 'Paused',
      replicas: 0,
      allocated: 0,
      ready: 0,
      // Task counters keep their last values, as upstream's while Paused.
      taskRunning: 1,
      taskSucceed: 0,
      taskFailed: 0,
      taskPending: 0,
      taskUnknown: 0,
      pauseObservedGeneration: 5,
      conditions: [cond('Paused', 'Paused', 'Sandbox is paused')],
    });
  });

  it('an outcome does not acknowledge a newer opposite intent: a resume queued behind a pause stays new', () => {
    const pausing = aBatchSandbox('bs').template().generation(6).pause(false).status({ phase: 'Pausing', pauseObservedGeneration: 5 }).build();
    const status = nextPauseStatus(pausing, { type: 'pauseSucceeded' }, clock.now());
    expect(status).toMatchObject({ phase: 'Paused', pauseObservedGeneration: 5 });
  });

  it('pauseCancelled: back to Succeed, the pause:false generation acknowledged, no PauseFailed', () => {
    const pausing = aBatchSandbox('bs')
      .template()
      .generation(6)
      .pause(false)
      .status({ phase: 'Pausing', pauseObservedGeneration: 5, conditions: [cond('Progressing', 'PauseInProgress', 'Pausing sandbox')] })
      .build();
    expect(nextPauseStatus(pausing, { type: 'pauseCancelled' }, clock.now())).toMatchObject({
      phase: 'Succeed',
      pauseObservedGeneration: 6,
      conditions: [cond('Ready', 'PodsReady', 'Sandbox is running')],
    });
  });

  describe('resume', () => {
    const paused = (phase: 'Paused' | 'Resuming', conditions: BatchSandboxCondition[]) =>
      aBatchSandbox('bs').template().generation(8).pause(false).status({ phase, pauseObservedGeneration: 7, conditions }).build();

    it('resumeStarted: Resuming, ResumeFailed removed, acknowledged', () => {
      const status = nextPauseStatus(
        paused('Paused', [cond('Paused', 'Paused', 'Sandbox is paused'), cond('ResumeFailed', 'SnapshotNotReady', 'x')]),
        { type: 'resumeStarted' },
        clock.now(),
      );
      expect(status).toMatchObject({
        phase: 'Resuming',
        pauseObservedGeneration: 8,
        conditions: [cond('Progressing', 'ResumeInProgress', 'Resuming sandbox')],
      });
    });

    it('resumeSucceeded: Succeed, ResumeFailed and PodFailed removed, the image rewrite generation acknowledged', () => {
      const status = nextPauseStatus(
        paused('Resuming', [cond('Progressing', 'ResumeInProgress', 'Resuming sandbox'), cond('PodFailed', 'ErrImagePull', 'x')]),
        { type: 'resumeSucceeded' },
        clock.now(),
      );
      expect(status).toMatchObject({ phase: 'Succeed', pauseObservedGeneration: 8, conditions: [cond('Ready', 'PodsReady', 'Sandbox is running')] });
    });

    it('resumeFailed by the pods: Failed with ResumeFailed and PodFailed', () => {
      const status = nextPauseStatus(
        paused('Resuming', [cond('Progressing', 'ResumeInProgress', 'Resuming sandbox')]),
        {
          type: 'resumeFailed',
          phase: 'Failed',
          reason: 'ErrImagePull',
          message: '1/1 observed pods failed during resume; primary reason=ErrImagePull; sample pod=bs-0',
          podFailed: { type: 'PodFailed', reason: 'ErrImagePull', message: '1/1 observed pods failed; primary reason=ErrImagePull; sample pod=bs-0' },
        },
        clock.now(),
      );
      expect(status.phase).toBe('Failed');
      expect(status.conditions?.map((c) => [c.type, c.reason])).toEqual([
        ['ResumeFailed', 'ErrImagePull'],
        ['PodFailed', 'ErrImagePull'],
      ]);
    });
  });

  it('a sandbox without status gets the required counters with its first lifecycle write', () => {
    const fresh = aBatchSandbox('bs').template().generation(1).pause(true).build();
    const status = nextPauseStatus(fresh, { type: 'intentRejected', condition: 'PauseFailed', reason: 'NotRunning', message: 'm' }, clock.now());
    expect(status).toEqual({
      replicas: 0,
      allocated: 0,
      ready: 0,
      taskRunning: 0,
      taskSucceed: 0,
      taskFailed: 0,
      taskPending: 0,
      taskUnknown: 0,
      pauseObservedGeneration: 1,
      conditions: [cond('PauseFailed', 'NotRunning', 'm')],
    });
  });
});

describe('outcomeStillApplies', () => {
  const failed: PauseLifecycleEvent = { type: 'pauseFailed', reason: 'SnapshotFailed', message: 'gone', podsKept: true };
  const resumeFailed: PauseLifecycleEvent = { type: 'resumeFailed', phase: 'Failed', reason: 'PodFailed', message: 'crash' };
  const phaseOnly = (phase: BatchSandboxStatus['phase']) => ({ phase, pauseObservedGeneration: 4 });

  it('writes a pause outcome only while Pausing and a resume outcome only while Resuming', () => {
    for (const event of [{ type: 'pauseSucceeded' } as const, failed, { type: 'pauseCancelled' } as const]) {
      expect(outcomeStillApplies(phaseOnly('Pausing'), event)).toBe(true);
      // Written already (a repeated step), or a resume has run since and the client moved on.
      for (const phase of ['Paused', 'Succeed', 'Resuming', 'Failed', undefined] as const) expect(outcomeStillApplies(phaseOnly(phase), event)).toBe(false);
      expect(outcomeStillApplies(undefined, event)).toBe(false);
    }
    for (const event of [{ type: 'resumeSucceeded' } as const, resumeFailed]) {
      expect(outcomeStillApplies(phaseOnly('Resuming'), event)).toBe(true);
      for (const phase of ['Succeed', 'Pausing', 'Paused', 'Failed'] as const) expect(outcomeStillApplies(phaseOnly(phase), event)).toBe(false);
    }
  });

  it("writes an outcome only while its start's claim stands: not over a newer pause's Pausing", () => {
    // The pause that started with pauseObservedGeneration 26 repeats its failure after the client resumed
    // and paused again (generation 29 now Pausing).
    expect(outcomeStillApplies({ phase: 'Pausing', pauseObservedGeneration: 29 }, failed, 26)).toBe(false);
    expect(outcomeStillApplies({ phase: 'Pausing', pauseObservedGeneration: 26 }, failed, 26)).toBe(true);
    expect(outcomeStillApplies({ phase: 'Resuming', pauseObservedGeneration: 31 }, { type: 'resumeSucceeded' }, 27)).toBe(false);
    // A run recorded before claims were kept: the phase alone decides.
    expect(outcomeStillApplies({ phase: 'Pausing', pauseObservedGeneration: 29 }, failed, undefined)).toBe(true);
  });

  it('leaves the starts and the intent answers to their own gate', () => {
    for (const phase of ['Succeed', 'Paused', 'Pausing', 'Failed', undefined] as const) {
      expect(outcomeStillApplies(phaseOnly(phase), { type: 'intentAcknowledged' }, 1)).toBe(true);
      expect(outcomeStillApplies(phaseOnly(phase), { type: 'intentRejected', condition: 'PauseFailed', reason: 'NotRunning', message: 'x' })).toBe(true);
      expect(outcomeStillApplies(phaseOnly(phase), { type: 'pauseStarted' })).toBe(true);
    }
  });
});
