// How the pods a resume recreated are doing: waiting, ready (every replica), or failed.
import { describe, expect, it } from '@jest/globals';
import { resumeProgress, resumeWakeState } from '../../planners/lifecycle/resume-progress.js';
import { aPod } from '../builders/pod.js';

describe('resumeProgress', () => {
  it('waits until every replica is Ready', () => {
    expect(resumeProgress([aPod('bs-0').ready().build(), aPod('bs-1').build()], 2)).toEqual({ state: 'waiting', ready: 1, missing: 0 });
    expect(resumeProgress([aPod('bs-0').ready().build(), aPod('bs-1').ready().build()], 2)).toEqual({ state: 'ready' });
  });

  it('does not count a terminating pod (an old pod on its way out)', () => {
    expect(resumeProgress([aPod('bs-0').ready().terminating().build()], 1)).toEqual({ state: 'waiting', ready: 0, missing: 1 });
  });

  it('fails on a failing pod with ResumeFailed and PodFailed in upstream wording', () => {
    const pods = [aPod('bs-0').ready().build(), aPod('bs-1').waiting('ImagePullBackOff').build()];
    expect(resumeProgress(pods, 2)).toEqual({
      state: 'failed',
      resumeFailed: {
        type: 'ResumeFailed',
        reason: 'ImagePullBackOff',
        message: '1/2 observed pods failed during resume; primary reason=ImagePullBackOff; sample pod=bs-1',
      },
      podFailed: { type: 'PodFailed', reason: 'ImagePullBackOff', message: '1/2 observed pods failed; primary reason=ImagePullBackOff; sample pod=bs-1' },
    });
  });
});

describe('resumeWakeState', () => {
  it('wakes the resume when a replica can be created again: no pod, and no old pod terminating', () => {
    expect(resumeWakeState([aPod('bs-0').ready().terminating().build()], 1)).toBe('waiting');
    expect(resumeWakeState([], 1)).toBe('recreatable');
  });

  it('stays quiet while the recreated pods start, and wakes on their end', () => {
    expect(resumeWakeState([aPod('bs-0').build()], 1)).toBe('waiting');
    expect(resumeWakeState([aPod('bs-0').ready().build()], 1)).toBe('ready');
    expect(resumeWakeState([aPod('bs-0').waiting('ImagePullBackOff').build()], 1)).toBe('failed');
  });
});
