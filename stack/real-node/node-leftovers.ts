// What a real node leaves behind when its processes die: containerd's shims (re-parented to PID 1, they
// keep the containers running), the containers' rootfs and network-namespace mounts under the node's
// directory, and pod sandboxes. Used by every stop, and by the next start when a previous owner died.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** PIDs of the processes running `binary` (by /proc/<pid>/exe). */
export function processesOf(binary: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) === binary) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return pids;
}

export function killProcessesOf(binary: string): number {
  const pids = processesOf(binary);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids.length;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (
    mountinfo
      .split('\n')
      .filter(Boolean)
      // Field 5 is the mount point, with spaces and the like octal-escaped.
      .map((line) => line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
      .filter((point) => point === dir || point.startsWith(prefix))
      .sort((a, b) => b.length - a.length)
  );
}

/** Unmounts everything under `dir` (lazily when busy); returns what failed. */
export function unmountUnder(dir: string): string[] {
  const failures: string[] = [];
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', [point], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      try {
        execFileSync('umount', ['-l', point], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        failures.push(`umount ${point}: ${(err as Error).message}`);
      }
    }
  }
  return failures;
}

/** Stops and removes every pod sandbox through the CRI (the kubelet is already gone). */
export function removePodSandboxes(crictl: string, containerdSocket: string): string[] {
  try {
    execFileSync(crictl, ['--runtime-endpoint', `unix://${containerdSocket}`, '--timeout', '20s', 'rmp', '--all', '--force'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return [];
  } catch (err) {
    return [`crictl rmp --all: ${(err as Error).message}`];
  }
}
