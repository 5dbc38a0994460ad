// Whether a pause / resume workflow still applies when its first step runs: the dispatcher's decision
// for exactly this generation, or a retried first step (the phase says the operation already started).
import { describe, expect, it } from '@jest/globals';
import { lifecycleGate } from '../../planners/lifecycle/lifecycle-gate.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

const running = (generation: number, observed: number) =>
  aBatchSandbox('bs').template().generation(generation).pause(true).status({ phase: 'Succeed', pauseObservedGeneration: observed });
const paused = (generation: number, observed: number) =>
  aBatchSandbox('bs').template().generation(generation).pause(false).status({ phase: 'Paused', pauseObservedGeneration: observed });
const goodSnapshot = () => aSandboxSnapshot('bs-pause').pauseOf(aBatchSandbox('bs').build(), 2).succeeded().build();

describe('lifecycleGate, pause', () => {
  it('proceeds when the dispatcher would start this pause for this generation', () => {
    expect(lifecycleGate('pause', running(2, 1).build(), [], 2)).toEqual({ proceed: true });
  });

  it('proceeds on a retry: Pausing and this generation acknowledged by pauseStarted', () => {
    const pausing = running(2, 2).status({ phase: 'Pausing', pauseObservedGeneration: 2 }).build();
    expect(lifecycleGate('pause', pausing, [], 2)).toEqual({ proceed: true });
  });

  it('stops when a newer generation stands (stale workflow), naming what the sandbox asks for now', () => {
    expect(lifecycleGate('pause', running(3, 1).build(), [], 2)).toEqual({
      proceed: false,
      why: 'the pause of generation 2 no longer applies: the sandbox now asks for startPause for generation 3',
    });
  });

  it('stops when Pausing belongs to another generation', () => {
    const pausing = running(3, 3).status({ phase: 'Pausing', pauseObservedGeneration: 3 }).build();
    expect(lifecycleGate('pause', pausing, [], 2)).toMatchObject({ proceed: false });
  });

  it('stops when the intent was withdrawn (pause unset, acknowledged)', () => {
    const withdrawn = running(2, 2).pause(undefined).build();
    expect(lifecycleGate('pause', withdrawn, [], 2)).toEqual({
      proceed: false,
      why: 'the pause of generation 2 no longer applies: the sandbox now asks for none (intent already acknowledged)',
    });
  });

  it('stops when the sandbox is being deleted, even while Pausing', () => {
    const deleting = running(2, 2).status({ phase: 'Pausing', pauseObservedGeneration: 2 }).deleting().build();
    expect(lifecycleGate('pause', deleting, [], 2)).toEqual({ proceed: false, why: 'sandbox is being deleted' });
  });
});

describe('lifecycleGate, resume', () => {
  it('proceeds when the dispatcher would start this resume (succeeded snapshot of every replica)', () => {
    expect(lifecycleGate('resume', paused(3, 2).build(), [goodSnapshot()], 3)).toEqual({ proceed: true });
  });

  it('proceeds on a retry: Resuming (resumeStarted does not acknowledge)', () => {
    const resuming = paused(3, 2).status({ phase: 'Resuming', pauseObservedGeneration: 2 }).build();
    expect(lifecycleGate('resume', resuming, [], 3)).toEqual({ proceed: true });
  });

  it('stops when the snapshot is missing: the dispatcher would reject instead', () => {
    expect(lifecycleGate('resume', paused(3, 2).build(), [], 3)).toEqual({
      proceed: false,
      why: 'the resume of generation 3 no longer applies: the sandbox now asks for reject for generation 3',
    });
  });

  it('does not treat Pausing as a retried resume', () => {
    const pausing = paused(3, 2).status({ phase: 'Pausing', pauseObservedGeneration: 2 }).build();
    expect(lifecycleGate('resume', pausing, [goodSnapshot()], 3)).toMatchObject({ proceed: false });
  });
});
