// A process's resident memory as the kernel counts it (VmRSS, and its peak VmHWM), which the benchmarks and
// the hostile-input suite report.
import { readFileSync } from 'node:fs';

/** Resident set size of process `pid`, in MB. */
export function residentMb(pid: number): number {
  return statusMb(pid, 'VmRSS');
}

/** The largest resident set size process `pid` has had so far (its high-water mark), in MB: what a memory limit must allow. */
export function peakResidentMb(pid: number): number {
  return statusMb(pid, 'VmHWM');
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(line?.match(/\d+/)?.[0] ?? 0) / 1024);
}
