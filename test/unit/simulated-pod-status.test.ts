import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { exitedStatus, imagePullFailedStatus, imagePullMessage, needsImagePullFailure } from '../../stack/simulated-pod-status.js';
import { isUnpullableImage, registryHost } from '../../stack/simulated-registry.js';
import { aPod } from '../builders/pod.js';

const NOW = new Date('2026-01-01T00:00:30Z');

describe('registryHost / isUnpullableImage', () => {
  it.each([
    ['registry.invalid/committer:x', 'registry.invalid', true],
    ['registry.invalid:5000/snapshots/bs-sandbox:snap-gen2', 'registry.invalid:5000', true],
    ['mirror.registry.invalid/a/b@sha256:abc', 'mirror.registry.invalid', true],
    ['registry.example/web:1', 'registry.example', false],
    ['localhost:5000/x', 'localhost:5000', false],
    ['nginx:1.27', 'docker.io', false],
    ['library/registry.invalid', 'docker.io', false],
    ['registry.invalid', 'docker.io', false],
  ])('%s: host %s, unpullable %s', (image, host, unpullable) => {
    expect(registryHost(image)).toBe(host);
    expect(isUnpullableImage(image)).toBe(unpullable);
  });
});

function pendingPod(images: { init?: string[]; main: string[] }): V1Pod {
  const pod = aPod('p').onNode('kwok-node-0').build();
  pod.spec!.initContainers = images.init?.map((image, i) => ({ name: `init-${i}`, image }));
  pod.spec!.containers = images.main.map((image, i) => ({ name: `c-${i}`, image }));
  return pod;
}

describe('image pull failures', () => {
  it('a pending pod with an unpullable app image waits ErrImagePull for it, ContainerCreating for the rest', () => {
    const pod = pendingPod({ main: ['registry.invalid/a:1', 'registry.example/b:1'] });
    expect(needsImagePullFailure(pod)).toBe(true);
    const status = imagePullFailedStatus(pod, NOW);
    expect(status.phase).toBe('Pending');
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(status.containerStatuses?.map((s) => s.state?.waiting)).toEqual([
      { reason: 'ErrImagePull', message: imagePullMessage('registry.invalid/a:1') },
      { reason: 'ContainerCreating' },
    ]);
    expect(imagePullMessage('registry.invalid:5000/a:1')).toBe(
      'failed to pull image "registry.invalid:5000/a:1": failed to resolve reference "registry.invalid:5000/a:1": dial tcp: lookup registry.invalid: no such host',
    );
    // Reported once: the written status satisfies it.
    expect(needsImagePullFailure({ ...pod, status })).toBe(false);
  });

  it('an unpullable init container keeps the pod uninitialized', () => {
    const pod = pendingPod({ init: ['registry.invalid/init:1'], main: ['registry.example/b:1'] });
    const status = imagePullFailedStatus(pod, NOW);
    expect(status.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' });
    expect(status.initContainerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImagePull');
    expect(status.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'PodInitializing' });
    expect(needsImagePullFailure({ ...pod, status })).toBe(false);
  });

  it('pullable images, and pods past Pending, need nothing', () => {
    expect(needsImagePullFailure(pendingPod({ main: ['registry.example/b:1'] }))).toBe(false);
    const running = pendingPod({ main: ['registry.invalid/a:1'] });
    running.status = { phase: 'Running' };
    expect(needsImagePullFailure(running)).toBe(false);
  });
});

describe('exitedStatus', () => {
  const running = (): V1Pod => {
    const pod = aPod('c').ready().build();
    pod.spec!.containers = [{ name: 'commit', image: 'image-committer:dev' }];
    pod.status!.containerStatuses = [
      {
        name: 'commit',
        image: 'image-committer:dev',
        imageID: '',
        ready: true,
        restartCount: 0,
        state: { running: { startedAt: new Date('2026-01-01T00:00:20Z') } },
      },
    ];
    return pod;
  };

  it('exit 0: Succeeded, Completed, with the termination message', () => {
    const status = exitedStatus(running(), { exitCode: 0, message: '{"containers":[]}' }, NOW);
    expect(status.phase).toBe('Succeeded');
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(status.containerStatuses?.[0]?.state?.terminated).toEqual({
      exitCode: 0,
      reason: 'Completed',
      message: '{"containers":[]}',
      startedAt: new Date('2026-01-01T00:00:20Z'),
      finishedAt: NOW,
    });
  });

  it('exit 1: Failed, Error; an empty message is left out', () => {
    const failed = exitedStatus(running(), { exitCode: 1, message: 'simulated commit failure' }, NOW);
    expect(failed.phase).toBe('Failed');
    expect(failed.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error', message: 'simulated commit failure' });
    expect(exitedStatus(running(), { exitCode: 0, message: '' }, NOW).containerStatuses?.[0]?.state?.terminated).not.toHaveProperty('message');
  });
});
