// kubeconfig files for the local stack's admin identity.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export function writeAdminKubeconfig(path: string, server: string, caPath: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'opensandbox-local', cluster: { server, 'certificate-authority': caPath } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'opensandbox-local', context: { cluster: 'opensandbox-local', user: 'admin' } }],
    'current-context': 'opensandbox-local',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
