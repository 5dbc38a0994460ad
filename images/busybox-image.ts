// A small sandbox base image: Debian's static busybox with a link per applet in /bin, and a /tmp.
import { execFileSync } from 'node:child_process';
import type { TarEntry } from '../oci/reproducible-tar.js';
import type { ProjectImage } from './project-image.js';

export function busyboxImage(busyboxBinary: string): ProjectImage {
  return {
    repository: 'opensandbox-temporal-operator/busybox',
    tag: '1.35',
    layers: [
      {
        name: 'busybox',
        entries: async () => {
          const applets = execFileSync(busyboxBinary, ['--list'], { encoding: 'utf8' })
            .split('\n')
            .filter((name) => name && name !== 'busybox')
            .sort();
          return [
            { type: 'directory', path: 'bin' },
            { type: 'file', path: 'bin/busybox', source: busyboxBinary, mode: 0o755 },
            ...applets.map((name): TarEntry => ({ type: 'symlink', path: `bin/${name}`, target: 'busybox' })),
            { type: 'directory', path: 'tmp', mode: 0o1777 },
          ];
        },
      },
    ],
    config: { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
  };
}
