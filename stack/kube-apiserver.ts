// kube-apiserver on loopback with real authentication (static bearer tokens), Node and RBAC authorization.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP } from '../api/v1alpha1/group.js';
import { freePort } from './free-port.js';
import { httpsGet } from './https-get.js';
import { ManagedProcess } from './managed-process.js';
import { RestartableProcess } from './restartable-process.js';
import { waitUntil } from './wait-until.js';

export interface RunningApiServer {
  /** Restartable on the same port, certificates and tokens (etcd keeps the data). */
  process: RestartableProcess;
  url: string;
  /** PEM bundle that verifies the apiserver's self-signed serving certificate. */
  caPath: string;
  /** Bearer token of the `admin` user in `system:masters`. */
  adminToken: string;
  /** Private key that signs service-account tokens (kube-controller-manager needs it). */
  serviceAccountKeyPath: string;
  /** JSON lines: every write to an object of our API group, as the apiserver saw it (see auditPolicy). */
  auditLogPath: string;
}

/** More identities and flags, e.g. for a real node (its kubelet's token, the kubelet client certificate). */
export interface ApiServerExtras {
  /** Lines of the static token file: `token,user,uid,"group1,group2"`. */
  tokens: string[];
  args: string[];
}

/**
 * Writes (any verb but reads) to the objects of our API group, at Metadata level (who, what, which
 * object, the answer's code), once the response is complete. Tests count a delivery's writes here,
 * where the apiserver itself saw them, rather than trusting the operator's own bookkeeping. Pods are
 * left out: the 10k-pod benchmarks would fill the log.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
    resources:
      - group: ${GROUP}
  - level: None
`;

export async function startKubeApiServer(
  binary: string,
  dataDir: string,
  etcdUrl: string,
  timeoutMs: number,
  extras: ApiServerExtras = { tokens: [], args: [] },
): Promise<RunningApiServer> {
  const port = await freePort();
  const pkiDir = join(dataDir, 'pki');
  mkdirSync(pkiDir, { recursive: true });

  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const saPub = join(pkiDir, 'sa.pub');
  const saKey = join(pkiDir, 'sa.key');
  writeFileSync(saPub, publicKey);
  writeFileSync(saKey, privateKey, { mode: 0o600 });

  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = join(pkiDir, 'tokens.csv');
  const tokens = [`${adminToken},admin,admin,"system:masters"`, ...extras.tokens];
  writeFileSync(tokenFile, `${tokens.join('\n')}\n`, { mode: 0o600 });

  const auditPolicyPath = join(pkiDir, 'audit-policy.yaml');
  writeFileSync(auditPolicyPath, AUDIT_POLICY);
  const auditLogPath = join(dataDir, 'audit.log');

  const url = `https://127.0.0.1:${port}`;
  const args = [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=127.0.0.1`,
    `--advertise-address=127.0.0.1`,
    `--secure-port=${port}`,
    `--cert-dir=${pkiDir}`,
    `--token-auth-file=${tokenFile}`,
    // Node: a real node's kubelet (system:node:<name>) gets exactly what its pods need.
    '--authorization-mode=Node,RBAC',
    '--anonymous-auth=false',
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${saPub}`,
    `--service-account-signing-key-file=${saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    // Like envtest: without a kubelet no pod needs a token volume, and skipping the plugin avoids
    // racing the service-account controller in freshly created test namespaces.
    '--disable-admission-plugins=ServiceAccount',
    // The benchmarks create hundreds of objects at once; do not let the default limits queue them.
    '--max-requests-inflight=2000',
    '--max-mutating-requests-inflight=1000',
    '--profiling=false',
    `--audit-policy-file=${auditPolicyPath}`,
    `--audit-log-path=${auditLogPath}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=200',
    '--audit-log-maxbackup=1',
    '--v=1',
    ...extras.args,
  ];
  // The self-signed serving certificate (with its CA) appears once the apiserver has started; a restart
  // finds it in the cert dir and serves the same one.
  const caPath = join(pkiDir, 'apiserver.crt');
  const launch = async (): Promise<ManagedProcess> => {
    const process = ManagedProcess.start({ name: 'kube-apiserver', command: binary, args, logPath: join(dataDir, 'kube-apiserver.log') });
    await waitUntil(
      async () => {
        const ca = readFileSync(caPath, 'utf8');
        const res = await httpsGet(`${url}/readyz`, { ca, bearerToken: adminToken });
        return res.status === 200;
      },
      { what: `kube-apiserver ${url}/readyz`, timeoutMs, process, intervalMs: 200 },
    );
    return process;
  };
  const process = await RestartableProcess.start(launch);
  return { process, url, caPath, adminToken, serviceAccountKeyPath: saKey, auditLogPath };
}
