// The project's images in the local stack's registry, built (or taken from the cache) and pushed when
// the real node starts: what its pods and commit Jobs run, referenced by digest.
import { RegistryClient } from '../oci/registry-client.js';
import { toolsCacheDir, type RealNodeTools } from '../stack/toolchain.js';
import { buildProjectImage, pushBuiltImage } from './build-project-image.js';
import { busyboxImage } from './busybox-image.js';
import { committerImage } from './committer-image.js';
import { pauseImage } from './pause-image.js';
import type { ProjectImage } from './project-image.js';
import { taskExecutorImage } from './task-executor-image.js';
import { temporalDevImage } from './temporal-dev-image.js';

/** `host:port/repo@sha256:…` of each image. */
export interface StackImages {
  pause: string;
  busybox: string;
  imageCommitter: string;
  /** The project's task-executor (host mode by default; sidecar with ENABLE_SIDECAR_MODE=true). */
  taskExecutor: string;
  /** The Temporal dev server, for temporal-dev.yaml on the real node. */
  temporalDev: string;
}

export async function pushStackImages(opts: { registry: string; insecure: boolean; tools: RealNodeTools }): Promise<StackImages> {
  const { tools } = opts;
  const client = new RegistryClient({ registry: opts.registry, insecure: opts.insecure });
  const cacheDir = toolsCacheDir();
  const push = async (image: ProjectImage): Promise<string> => pushBuiltImage(await buildProjectImage(image, cacheDir), client, image.repository, image.tag);
  return {
    pause: await push(pauseImage(tools.pause)),
    busybox: await push(busyboxImage(tools.busybox)),
    imageCommitter: await push(committerImage({ nodeRuntime: tools.nodeRuntime, ctr: tools.ctr, crictl: tools.crictl })),
    taskExecutor: await push(taskExecutorImage({ nodeRuntime: tools.nodeRuntime, busybox: tools.busybox })),
    temporalDev: await push(temporalDevImage(tools.temporal)),
  };
}
