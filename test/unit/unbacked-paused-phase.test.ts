// A Paused phase no pause wrote: no pause snapshot, and pods still running.
import { describe, expect, it } from '@jest/globals';
import { unbackedPausedPhase } from '../../planners/lifecycle/unbacked-paused-phase.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';
import { aPod } from '../builders/pod.js';
import { aSandboxSnapshot } from '../builders/sandbox-snapshot.js';

const sandbox = (phase: 'Paused' | 'Succeed' | 'Pausing') => aBatchSandbox('bs', 'ns').template().status({ phase }).build();
const running = aPod('bs-0', 'ns').ready('10.0.0.1').build();
const leaving = aPod('bs-1', 'ns').ready('10.0.0.2').terminating().build();
const snapshot = aSandboxSnapshot('bs-pause', 'ns').pauseOf(sandbox('Paused'), 1).build();

describe('unbackedPausedPhase', () => {
  it('names the running pods of a Paused sandbox without a pause snapshot', () => {
    expect(unbackedPausedPhase({ sandbox: sandbox('Paused'), pauseSnapshots: [], pods: [running, leaving] })).toBe(
      'status.phase was Paused but no pause wrote it: there is no pause snapshot and pods bs-0 still run; the phase is restored from the pods',
    );
  });

  it.each([
    ['a snapshot backs the pause', { sandbox: sandbox('Paused'), pauseSnapshots: [snapshot], pods: [running] }],
    ['the pods are gone or going (a real pause whose snapshot was deleted)', { sandbox: sandbox('Paused'), pauseSnapshots: [], pods: [leaving] }],
    ['the phase is not Paused', { sandbox: sandbox('Pausing'), pauseSnapshots: [], pods: [running] }],
    ['the sandbox runs', { sandbox: sandbox('Succeed'), pauseSnapshots: [], pods: [running] }],
  ])('accepts the phase when %s', (_why, input) => {
    expect(unbackedPausedPhase(input)).toBeUndefined();
  });
});
