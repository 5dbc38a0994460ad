// containerd for the real node: CRI with runc, the CNI bridge, overlayfs snapshots, every path under the
// node's own directory (only the shims' sockets go to the fixed /run/containerd/s). Settings this
// machine kind needs (../shared/design/real-node.md): root lacks CAP_SYS_RESOURCE, so the CRI must not
// lower oom_score_adj below its own; network namespaces are mounted under the state directory.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess } from '../managed-process.js';
import { waitUntil } from '../wait-until.js';
import { POD_BRIDGE, POD_SUBNET } from './node-network.js';

const execFileAsync = promisify(execFile);

export interface ContainerdPaths {
  dir: string;
  socket: string;
  cniConfDir: string;
  certsDir: string;
}

export interface ContainerdSettings {
  paths: ContainerdPaths;
  runc: string;
  cniBinDir: string;
  /** The pod sandbox image, pinned so it is never garbage-collected. */
  pauseImage: string;
}

export function containerdPaths(nodeDir: string): ContainerdPaths {
  const dir = join(nodeDir, 'containerd');
  return { dir, socket: join(dir, 'containerd.sock'), cniConfDir: join(dir, 'net.d'), certsDir: join(dir, 'certs.d') };
}

export function containerdConfig(settings: ContainerdSettings): string {
  const { paths } = settings;
  const q = (s: string): string => JSON.stringify(s);
  return `version = 4
root = ${q(join(paths.dir, 'root'))}
state = ${q(join(paths.dir, 'state'))}
# Nothing from the host's /etc/containerd (an empty list would mean the default, which reads it).
imports = [${q(join(paths.dir, 'conf.d', '*.toml'))}]

[plugins."io.containerd.server.v1.grpc"]
  address = ${q(paths.socket)}

[plugins."io.containerd.server.v1.ttrpc"]
  address = ${q(`${paths.socket}.ttrpc`)}

[plugins."io.containerd.cri.v1.runtime"]
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = ${q(settings.runc)}
        Root = ${q(join(paths.dir, 'runc'))}
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = [${q(settings.cniBinDir)}]
    conf_dir = ${q(paths.cniConfDir)}

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = ${q(settings.pauseImage)}
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = ${q(paths.certsDir)}

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

/** One bridge network for the node's pods; no masquerading (no iptables on these machines). */
export function cniConflist(ipamDataDir: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'opensandbox-real-node',
      plugins: [
        {
          type: 'bridge',
          bridge: POD_BRIDGE,
          isGateway: true,
          isDefaultGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], dataDir: ipamDataDir },
        },
      ],
    },
    null,
    2,
  );
}

/** containerd's hosts.toml for a registry served over plain HTTP. */
export function plainHttpRegistryHosts(address: string): string {
  return `server = "http://${address}"\n\n[host."http://${address}"]\n  capabilities = ["pull", "resolve", "push"]\n  skip_verify = true\n`;
}

export interface StartContainerdOptions extends ContainerdSettings {
  containerd: string;
  ctr: string;
  /** Directory of containerd-shim-runc-v2 (containerd finds its shim on PATH). */
  shimDir: string;
  /** Registries served over plain HTTP (host:port). */
  plainHttpRegistries: string[];
  logPath: string;
  timeoutMs: number;
}

export async function startContainerd(opts: StartContainerdOptions): Promise<ManagedProcess> {
  const { paths } = opts;
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(join(paths.cniConfDir, '10-opensandbox.conflist'), cniConflist(join(paths.dir, 'ipam')));
  for (const registry of opts.plainHttpRegistries) {
    const dir = join(paths.certsDir, registry);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hosts.toml'), plainHttpRegistryHosts(registry));
  }
  const configPath = join(paths.dir, 'config.toml');
  writeFileSync(configPath, containerdConfig(opts));
  const process = ManagedProcess.start({
    name: 'containerd',
    command: opts.containerd,
    args: ['--config', configPath, '--log-level', 'warn'],
    logPath: opts.logPath,
    env: { ...globalThis.process.env, PATH: `${opts.shimDir}:${globalThis.process.env.PATH ?? ''}` },
  });
  await waitUntil(
    async () => {
      await execFileAsync(opts.ctr, ['--address', paths.socket, 'version'], { timeout: 5_000 });
      return true;
    },
    { what: `containerd ${paths.socket}`, timeoutMs: opts.timeoutMs, process, intervalMs: 200 },
  );
  return process;
}
