// A commit Job pod that cannot start fails the commit at once, naming the image and the kubelet's reason.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { commitPodStartFailure, commitPodState } from '../../planners/lifecycle/commit-pod-start.js';

function jobPod(waiting?: { reason: string; message?: string }, init = false): V1Pod {
  const status = { name: 'commit', image: 'image-committer:dev', imageID: '', ready: false, restartCount: 0, state: waiting ? { waiting } : { running: {} } };
  return {
    metadata: { name: 'bs-pause-commit-x1' },
    spec: { containers: [{ name: 'commit', image: 'registry.local/image-committer:v9' }] },
    status: { phase: 'Pending', ...(init ? { initContainerStatuses: [status] } : { containerStatuses: [status] }) },
  };
}

describe('commitPodStartFailure', () => {
  it.each(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError'])('fails on %s, naming reason, message and image', (reason) => {
    expect(commitPodStartFailure('bs-pause-commit', [jobPod({ reason, message: 'pull access denied' })])).toEqual({
      state: 'failed',
      reason: 'CommitJobFailed',
      message: `commit job bs-pause-commit cannot start: ${reason}: pull access denied (image registry.local/image-committer:v9)`,
    });
  });

  it('leaves out a missing kubelet message', () => {
    expect(commitPodStartFailure('j', [jobPod({ reason: 'ErrImagePull' })])?.message).toBe(
      'commit job j cannot start: ErrImagePull (image registry.local/image-committer:v9)',
    );
  });

  it('looks at init containers too', () => {
    expect(commitPodStartFailure('j', [jobPod({ reason: 'ImagePullBackOff' }, true)])).toMatchObject({ state: 'failed' });
  });

  it.each<[string, V1Pod[]]>([
    ['no pod yet', []],
    ['a running container', [jobPod()]],
    ['a container still being created', [jobPod({ reason: 'ContainerCreating' })]],
  ])('is undefined with %s', (_name, pods) => {
    expect(commitPodStartFailure('j', pods)).toBeUndefined();
  });
});

describe('commitPodState', () => {
  const labelled = (pod: V1Pod): V1Pod => ({ ...pod, metadata: { ...pod.metadata, labels: { 'batch.kubernetes.io/job-name': 'j' } } });
  const terminated = (exitCode: number, message: string): V1Pod =>
    labelled({
      ...jobPod(),
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'commit', image: 'c', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, message } } }],
      },
    });

  it('reports a committed result as soon as the committer exited 0 with it, before the Job is Complete', () => {
    expect(commitPodState('j', terminated(0, '{"containers":[{"name":"main","image":"r/x:snap-gen2","digest":"sha256:ab"}]}'))).toBe('committed');
  });

  it('is quiet while running, after a failed attempt (the Job retries), and with a malformed result', () => {
    expect(commitPodState('j', labelled(jobPod()))).toBe('fine');
    expect(commitPodState('j', terminated(1, 'error: push refused'))).toBe('fine');
    expect(commitPodState('j', terminated(0, 'not json'))).toBe('fine');
  });

  it('reports a pod that cannot start', () => {
    expect(commitPodState('j', labelled(jobPod({ reason: 'ErrImagePull' })))).toBe('cannot start');
  });
});
