// The pod sandbox image: Kubernetes' pause binary (compiled static by scripts/toolchain.sh), as nobody.
import type { ProjectImage } from './project-image.js';

export function pauseImage(pauseBinary: string): ProjectImage {
  return {
    repository: 'opensandbox-temporal-operator/pause',
    tag: '3.10',
    layers: [{ name: 'pause', entries: async () => [{ type: 'file', path: 'pause', source: pauseBinary, mode: 0o755 }] }],
    config: { entrypoint: ['/pause'], user: '65535:65535' },
  };
}
