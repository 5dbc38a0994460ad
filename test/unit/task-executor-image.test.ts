// The task-executor image's composition (images/task-executor-image.ts), without building it: busybox
// first (the sandbox base image's own layer: sh for the shim, nsenter for sidecar mode), the Node runtime,
// then the bundled executor as the entrypoint.
import { describe, expect, it } from '@jest/globals';
import { TASK_EXECUTOR_IMAGE, TASK_EXECUTOR_IN_IMAGE, TASK_EXECUTOR_PORT, taskExecutorImage } from '../../images/task-executor-image.js';
import { DEFAULT_TASK_EXECUTOR_URL } from '../../activities/task-executor-client.js';

describe('taskExecutorImage', () => {
  const image = taskExecutorImage({ nodeRuntime: '/opt/node', busybox: '/opt/busybox' });

  it('layers busybox, the Node runtime and the executor, in that order', () => {
    expect(image.layers.map((layer) => layer.name)).toEqual(['busybox', 'node runtime', 'task-executor']);
  });

  it('starts the executor (host mode by default) with /bin on PATH, where the shim’s sh and nsenter are', () => {
    expect(image.config.entrypoint).toEqual([TASK_EXECUTOR_IN_IMAGE]);
    expect(image.config.cmd).toBeUndefined();
    expect(image.config.env?.find((e) => e.startsWith('PATH='))?.split(':')).toContain('/bin');
    expect(TASK_EXECUTOR_IMAGE.repository).toBe('opensandbox-temporal-operator/task-executor');
  });

  it('listens where the operator calls by default', () => {
    expect(DEFAULT_TASK_EXECUTOR_URL).toBe(`http://{podIP}:${TASK_EXECUTOR_PORT}`);
  });
});
