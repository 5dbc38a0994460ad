// Why a real node cannot start here, in words a user can act on (empty when it can).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { RealNodeTools } from '../toolchain.js';

export function realNodeProblems(binaries: RealNodeTools): string[] {
  const problems: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) problems.push(`root is required (running as uid ${uid ?? 'unknown'})`);
  if (
    !readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .some((line) => line.trim().endsWith('overlay'))
  ) {
    problems.push('the kernel has no overlayfs (no "overlay" in /proc/filesystems)');
  }
  if (!existsSync('/sys/fs/cgroup/freezer') && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    problems.push('no cgroup freezer (neither /sys/fs/cgroup/freezer nor cgroup v2)');
  }
  for (const command of ['ip', 'openssl', 'umount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      problems.push(`the command ${command} is not on PATH`);
    }
  }
  for (const [name, path] of Object.entries(binaries) as [string, string][]) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      problems.push(`${name} binary ${path} is missing (run \`npm run toolchain\`)`);
    }
  }
  return problems;
}
