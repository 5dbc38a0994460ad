// The task-executor's image: busybox (its applets in /bin: the `sh` the task shim runs under, the `nsenter`
// that enters the main container in sidecar mode - busybox's takes the long options upstream passes -
// and the small tools tasks use in host mode), the Node runtime, and the executor bundled into one file
// whose shebang names the runtime. Its entrypoint is the executor on port 5758 in host mode; a sidecar sets
// ENABLE_SIDECAR_MODE=true and MAIN_CONTAINER_NAME. The busybox layer is the sandbox base image's, so a
// node holding both stores it once.
import { busyboxImage } from './busybox-image.js';
import { bundledProgram } from './bundled-program.js';
import { nodeRuntimeLayer } from './node-runtime-layer.js';
import type { ProjectImage } from './project-image.js';

export const TASK_EXECUTOR_IMAGE = { repository: 'opensandbox-temporal-operator/task-executor', tag: '0.1.0' } as const;
export const TASK_EXECUTOR_IN_IMAGE = '/usr/local/bin/task-executor';
/** The executor's port, where the operator calls it (`http://{podIP}:5758`). */
export const TASK_EXECUTOR_PORT = 5758;

/** The program and its dependencies as one file. */
export const bundleTaskExecutor = (): Promise<Buffer> => bundledProgram('task-executor/main.ts');

export interface TaskExecutorImageInputs {
  nodeRuntime: string;
  busybox: string;
}

export function taskExecutorImage(inputs: TaskExecutorImageInputs): ProjectImage {
  return {
    repository: TASK_EXECUTOR_IMAGE.repository,
    tag: TASK_EXECUTOR_IMAGE.tag,
    layers: [
      ...busyboxImage(inputs.busybox).layers,
      nodeRuntimeLayer(inputs.nodeRuntime),
      {
        name: 'task-executor',
        entries: async () => [
          { type: 'file', path: TASK_EXECUTOR_IN_IMAGE, content: await bundleTaskExecutor(), mode: 0o755 },
          // The default data directory (an emptyDir is usually mounted over it).
          ...['var', 'var/lib', 'var/lib/sandbox', 'var/lib/sandbox/tasks'].map((path) => ({ type: 'directory' as const, path })),
        ],
      },
    ],
    config: { entrypoint: [TASK_EXECUTOR_IN_IMAGE], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
  };
}
