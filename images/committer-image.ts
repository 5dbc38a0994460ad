// The image-committer's image: the Node runtime, the node tools it drives (ctr for the container's task
// and snapshot, crictl for the CRI lookup) and the committer program bundled into one file whose
// shebang names the runtime, so no shell is needed.
import { PROJECT_COMMITTER_IMAGE } from '../planners/lifecycle/commit-job.js';
import { bundledProgram } from './bundled-program.js';
import { nodeRuntimeLayer } from './node-runtime-layer.js';
import type { ProjectImage } from './project-image.js';

export const COMMITTER_IN_IMAGE = '/usr/local/bin/image-committer';

/** The program and its dependencies as one file. */
export const bundleCommitter = (): Promise<Buffer> => bundledProgram('image-committer/main.ts');

export interface CommitterImageInputs {
  nodeRuntime: string;
  ctr: string;
  crictl: string;
}

export function committerImage(inputs: CommitterImageInputs): ProjectImage {
  return {
    repository: PROJECT_COMMITTER_IMAGE.repository,
    tag: PROJECT_COMMITTER_IMAGE.tag,
    layers: [
      nodeRuntimeLayer(inputs.nodeRuntime),
      {
        name: 'node tools',
        entries: async () => [
          { type: 'file', path: 'usr/local/bin/ctr', source: inputs.ctr, mode: 0o755 },
          { type: 'file', path: 'usr/local/bin/crictl', source: inputs.crictl, mode: 0o755 },
          { type: 'directory', path: 'tmp', mode: 0o1777 },
        ],
      },
      {
        name: 'image-committer',
        entries: async () => [{ type: 'file', path: COMMITTER_IN_IMAGE, content: await bundleCommitter(), mode: 0o755 }],
      },
    ],
    config: { entrypoint: [COMMITTER_IN_IMAGE], env: ['PATH=/usr/local/bin:/usr/bin:/bin'] },
  };
}
