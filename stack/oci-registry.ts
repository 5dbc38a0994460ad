// A real OCI registry (Debian's docker-registry, CNCF distribution 2.8) for tests and the real node:
// filesystem storage, deletes allowed, plain HTTP, optionally htpasswd authentication.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { waitUntil } from './wait-until.js';

export interface OciRegistryOptions {
  /** The `docker-registry` binary. */
  binary: string;
  /** Holds the config, the storage and the log. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a free port. */
  port?: number;
  /** Require these credentials (HTTP Basic); anonymous access otherwise. */
  auth?: { username: string; password: string };
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface RunningOciRegistry {
  process: ManagedProcess;
  /** `host:port` */
  address: string;
  stop(): Promise<void>;
}

/**
 * distribution checks the bcrypt hash on every request, so the lowest cost keeps pushes of many blobs
 * fast; the registry holds disposable test images only.
 */
const BCRYPT_COST = 4;

export async function startOciRegistry(opts: OciRegistryOptions): Promise<RunningOciRegistry> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const storage = join(opts.dataDir, 'storage');
  mkdirSync(storage, { recursive: true });

  let auth: object | undefined;
  if (opts.auth) {
    const htpasswd = join(opts.dataDir, 'htpasswd');
    // distribution's htpasswd authentication accepts bcrypt hashes only.
    writeFileSync(htpasswd, `${opts.auth.username}:${bcrypt.hashSync(opts.auth.password, BCRYPT_COST)}\n`);
    auth = { htpasswd: { realm: 'opensandbox-registry', path: htpasswd } };
  }
  // JSON is YAML, which the registry reads.
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storage }, delete: { enabled: true }, cache: { blobdescriptor: 'inmemory' } },
    // Without a secret the registry makes one up and warns; upload sessions never outlive a start here.
    http: { addr: address, secret: randomBytes(16).toString('hex') },
    ...(auth && { auth }),
  };
  const configPath = join(opts.dataDir, 'config.yml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const process = ManagedProcess.start({
    name: 'oci-registry',
    command: opts.binary,
    args: ['serve', configPath],
    logPath: join(opts.dataDir, 'oci-registry.log'),
  });
  await waitUntil(
    async () => {
      const res = await fetch(`http://${address}/v2/`);
      return res.status === 200 || (opts.auth !== undefined && res.status === 401);
    },
    { what: `oci-registry http://${address}/v2/`, timeoutMs: opts.timeoutMs ?? 30_000, process },
  );
  return { process, address, stop: () => process.stop() };
}
