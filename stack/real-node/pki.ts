// Certificates the real node needs, made with the openssl CLI (Node's crypto cannot issue X.509):
// a CA the kubelet trusts for client certificates, and the kube-apiserver's client certificate for
// kubelet calls (exec, logs), in system:masters so the kubelet's webhook authorization allows it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RealNodePki {
  caCertPath: string;
  /** kube-apiserver --kubelet-client-certificate / --kubelet-client-key. */
  apiServerKubeletClientCertPath: string;
  apiServerKubeletClientKeyPath: string;
}

const DAYS = '3650';

export function createRealNodePki(dir: string): RealNodePki {
  mkdirSync(dir, { recursive: true });
  const path = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    DAYS,
    '-subj',
    '/CN=opensandbox-real-node-ca',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/O=system:masters/CN=kube-apiserver-kubelet-client',
    '-keyout',
    path('apiserver-kubelet-client.key'),
    '-out',
    path('apiserver-kubelet-client.csr'),
  ]);
  openssl([
    'x509',
    '-req',
    '-days',
    DAYS,
    '-in',
    path('apiserver-kubelet-client.csr'),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path('apiserver-kubelet-client.crt'),
  ]);
  return {
    caCertPath: path('ca.crt'),
    apiServerKubeletClientCertPath: path('apiserver-kubelet-client.crt'),
    apiServerKubeletClientKeyPath: path('apiserver-kubelet-client.key'),
  };
}
