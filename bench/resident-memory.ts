// A process's resident memory as the kernel counts it (VmRSS), which the benchmarks and the hostile-input
// suite report.
import { readFileSync } from 'node:fs';

/** Resident set size of process `pid`, in MB. */
export function residentMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.match(/\d+/)?.[0] ?? 0) / 1024);
}
