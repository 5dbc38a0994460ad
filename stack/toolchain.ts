// Paths of the external binaries the local stack runs, resolved by scripts/toolchain.sh (the one
// place that knows versions, cache layout and the *_BIN overrides).
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** The real node's binaries (stack/real-node/), and the Node runtime that goes into the project's images. */
export interface RealNodeTools {
  kubelet: string;
  kubeProxy: string;
  /** Directory with iptables, iptables-save, iptables-restore (kube-proxy's PATH). */
  iptablesBinDir: string;
  containerd: string;
  containerdShim: string;
  ctr: string;
  crictl: string;
  runc: string;
  cniBinDir: string;
  registry: string;
  pause: string;
  busybox: string;
  /** The Temporal CLI, which the Temporal dev server image carries. */
  temporal: string;
  /** The pinned Node.js (toolchain.versions), whatever Node runs the stack. */
  nodeRuntime: string;
}

export interface Toolchain {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  temporal: string;
  kubectl: string;
  helm: string;
}

const ENV_KEYS: Record<keyof Toolchain, string> = {
  etcd: 'ETCD_BIN',
  kubeApiserver: 'KUBE_APISERVER_BIN',
  kubeControllerManager: 'KUBE_CONTROLLER_MANAGER_BIN',
  kubeScheduler: 'KUBE_SCHEDULER_BIN',
  kwok: 'KWOK_BIN',
  temporal: 'TEMPORAL_BIN',
  kubectl: 'KUBECTL_BIN',
  helm: 'HELM_BIN',
};

const REAL_NODE_ENV_KEYS: Record<keyof RealNodeTools, string> = {
  kubelet: 'KUBELET_BIN',
  kubeProxy: 'KUBE_PROXY_BIN',
  iptablesBinDir: 'IPTABLES_DIR_BIN',
  containerd: 'CONTAINERD_BIN',
  containerdShim: 'CONTAINERD_SHIM_BIN',
  ctr: 'CTR_BIN',
  crictl: 'CRICTL_BIN',
  runc: 'RUNC_BIN',
  cniBinDir: 'CNI_BIN_DIR',
  registry: 'REGISTRY_BIN',
  pause: 'PAUSE_BIN',
  busybox: 'BUSYBOX_BIN',
  temporal: 'TEMPORAL_BIN',
  nodeRuntime: 'NODE_RUNTIME_BIN',
};

function printedPaths(): Map<string, string> {
  const printed = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'toolchain.sh'), '--print-env'], {
    encoding: 'utf8',
  });
  return new Map(
    printed
      .trim()
      .split('\n')
      .map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)] as const;
      }),
  );
}

function printedPath(paths: Map<string, string>, envKey: string): string {
  const path = paths.get(envKey);
  if (!path) throw new Error(`scripts/toolchain.sh --print-env did not print ${envKey}`);
  return path;
}

/** The cache of built binaries (and built images), outside the work tree. */
export function toolsCacheDir(): string {
  return printedPath(printedPaths(), 'TOOLS_CACHE_DIR');
}

/** The real node's binaries, unchecked: the real node's preflight names the missing ones. */
export function realNodeTools(): RealNodeTools {
  const paths = printedPaths();
  const entries = Object.entries(REAL_NODE_ENV_KEYS).map(([key, envKey]) => [key, printedPath(paths, envKey)] as const);
  return Object.fromEntries(entries) as unknown as RealNodeTools;
}

export function resolveToolchain(): Toolchain {
  const paths = printedPaths();
  const entries = Object.entries(ENV_KEYS).map(([key, envKey]) => {
    const path = printedPath(paths, envKey);
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new Error(`${envKey}: ${path} is missing or not executable; run \`npm run toolchain\` to build it`);
    }
    return [key, path] as const;
  });
  return Object.fromEntries(entries) as unknown as Toolchain;
}

function findRepoRoot(from: string): string {
  // Works from source (stack/) and from the compiled tree (dist/stack/).
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      accessSync(join(dir, 'scripts', 'toolchain.versions'));
      return dir;
    } catch {
      if (dirname(dir) === dir) return resolve(from, '..');
    }
  }
}
