// The Temporal dev server as an image, for temporal-dev.yaml in a cluster without Docker Hub: the
// toolchain's Temporal CLI (a static Go binary, SQLite built in) and a writable /tmp, as uid 1000 like the
// manifest asks. `temporal server start-dev` is what the manifest's args run. The user is in /etc/passwd:
// without cgo, Go finds the current user only there (or in $USER), and the server refuses to start without.
import { execFileSync } from 'node:child_process';
import type { ProjectImage } from './project-image.js';

/** temporal-dev.yaml's runAsUser. */
const UID = 1000;

/** The CLI's version names the image, as upstream's `temporalio/temporal:<version>`. */
function cliVersion(temporalBinary: string): string {
  const printed = execFileSync(temporalBinary, ['--version'], { encoding: 'utf8' });
  const version = /version (\d+\.\d+\.\d+)/.exec(printed)?.[1];
  if (!version) throw new Error(`cannot read the Temporal CLI version from: ${printed.trim()}`);
  return version;
}

export function temporalDevImage(temporalBinary: string): ProjectImage {
  return {
    repository: 'opensandbox-temporal-operator/temporal-dev',
    tag: cliVersion(temporalBinary),
    layers: [
      {
        name: 'temporal',
        entries: async () => [
          { type: 'directory', path: 'usr' },
          { type: 'directory', path: 'usr/local' },
          { type: 'directory', path: 'usr/local/bin' },
          { type: 'file', path: 'usr/local/bin/temporal', source: temporalBinary, mode: 0o755 },
          { type: 'directory', path: 'tmp', mode: 0o1777 },
          { type: 'directory', path: 'etc' },
          {
            type: 'file',
            path: 'etc/passwd',
            content: `root:x:0:0:root:/root:/sbin/nologin\ntemporal:x:${UID}:${UID}:temporal:/tmp:/sbin/nologin\n`,
            mode: 0o644,
          },
          { type: 'file', path: 'etc/group', content: `root:x:0:\ntemporal:x:${UID}:\n`, mode: 0o644 },
        ],
      },
    ],
    config: { entrypoint: ['/usr/local/bin/temporal'], user: `${UID}:${UID}`, env: ['HOME=/tmp', 'USER=temporal'] },
  };
}
