// Paths of the external binaries the local stack runs, resolved by scripts/toolchain.sh (the one
// place that knows versions, cache layout and the *_BIN overrides).
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

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

export function resolveToolchain(): Toolchain {
  const printed = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'toolchain.sh'), '--print-env'], {
    encoding: 'utf8',
  });
  const paths = new Map(
    printed
      .trim()
      .split('\n')
      .map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)] as const;
      }),
  );
  const entries = Object.entries(ENV_KEYS).map(([key, envKey]) => {
    const path = paths.get(envKey);
    if (!path) throw new Error(`scripts/toolchain.sh --print-env did not print ${envKey}`);
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
