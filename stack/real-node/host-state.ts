// What a real node changes on the host outside its data directory, recorded before it starts and put
// back when it stops - also by the next start when the previous owner died without stopping (the
// record lives in a state directory under /run, which outlives the process but not a reboot).
//
// The kubelet sets these sysctls whatever its configuration says, and the CNI bridge plugin turns on
// forwarding; the kubelet, containerd and its shims create a few fixed host paths.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOUCHED_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops', 'net/ipv4/ip_forward'] as const;

/** Host paths that the kubelet, containerd or the shims create at fixed places. */
export const FIXED_HOST_PATHS = ['/var/log/containers', '/var/log/pods', '/var/lib/kubelet', '/run/containerd', '/var/lib/cni'] as const;

export interface HostStateRecord {
  sysctls: Record<string, string>;
  /** Fixed host paths that did not exist before the node started (removed again on restore). */
  absentPaths: string[];
  /** Whether the kubelet's pod cgroups existed before (another kubelet's); else they are removed. */
  hadKubepodsCgroups: boolean;
}

export function captureHostState(): HostStateRecord {
  const sysctls = Object.fromEntries(TOUCHED_SYSCTLS.map((key) => [key, readFileSync(join('/proc/sys', key), 'utf8').trim()]));
  return {
    sysctls,
    absentPaths: FIXED_HOST_PATHS.filter((p) => !existsSync(p)),
    hadKubepodsCgroups: kubepodsCgroups().length > 0,
  };
}

/** Puts the recorded sysctls back and removes the fixed paths the node created; returns what failed. */
export function restoreHostState(record: HostStateRecord): string[] {
  const failures: string[] = [];
  for (const [key, value] of Object.entries(record.sysctls)) {
    try {
      writeFileSync(join('/proc/sys', key), value);
    } catch (err) {
      failures.push(`sysctl ${key}=${value}: ${(err as Error).message}`);
    }
  }
  if (!record.hadKubepodsCgroups) {
    for (const cgroup of kubepodsCgroups()) {
      try {
        removeCgroupTree(cgroup);
      } catch (err) {
        failures.push(`remove cgroup ${cgroup}: ${(err as Error).message}`);
      }
    }
  }
  for (const path of record.absentPaths) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      failures.push(`remove ${path}: ${(err as Error).message}`);
    }
  }
  return failures;
}

/** The kubelet's pod cgroups (cgroupfs driver): one `kubepods` tree per v1 hierarchy. */
export function kubepodsCgroups(): string[] {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((hierarchy) => join(root, hierarchy, 'kubepods'))
    .filter((path) => existsSync(path));
}

/** cgroup directories go with rmdir, leaves first (their files cannot be removed). */
export function removeCgroupTree(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(path, entry.name));
  }
  rmdirSync(path);
}
