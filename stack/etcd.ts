// etcd for the local kube-apiserver: single member, loopback only, no fsync (test data is disposable).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { waitUntil } from './wait-until.js';

export interface RunningEtcd {
  process: ManagedProcess;
  clientUrl: string;
}

export async function startEtcd(binary: string, dataDir: string, timeoutMs: number): Promise<RunningEtcd> {
  const [clientPort, peerPort] = await freePorts(2);
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dir = join(dataDir, 'etcd');
  mkdirSync(dir, { recursive: true });
  const process = ManagedProcess.start({
    name: 'etcd',
    command: binary,
    args: [
      `--name=default`,
      `--data-dir=${dir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logPath: join(dataDir, 'etcd.log'),
  });
  await waitUntil(
    async () => {
      const res = await fetch(`${clientUrl}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    { what: `etcd ${clientUrl}/health`, timeoutMs, process },
  );
  return { process, clientUrl };
}
