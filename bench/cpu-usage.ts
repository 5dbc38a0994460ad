// CPU time as the kernel counts it, reported beside the latencies: how busy the whole machine was while
// sandboxes were delivered (/proc/stat) and the CPU seconds the operator processes spent on it
// (/proc/<pid>/stat). On a machine that was busy throughout, more operator processes cannot deliver sooner.
import { readFileSync } from 'node:fs';

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** Machine ticks since boot: all of them, and those not idle (nor waiting on I/O). */
  total: number;
  busy: number;
  /** Each process's own CPU ticks (user + system). */
  processes: number[];
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is counted in user already).
  const ticks = fields.slice(0, 8).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { total, busy: total - ticks[3]! - ticks[4]!, processes: pids.map(processTicks) };
}

/** The machine's busy share between two samples (percent of all its cores) and the processes' CPU seconds. */
export function cpuBetween(from: CpuSample, to: CpuSample): { busyPct: number; processCpuS: number } {
  const spent = to.processes.reduce((sum, t, i) => sum + t - (from.processes[i] ?? t), 0);
  return {
    busyPct: Math.round(((to.busy - from.busy) / Math.max(to.total - from.total, 1)) * 1000) / 10,
    processCpuS: Math.round((spent / TICKS_PER_SECOND) * 100) / 100,
  };
}

function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so it is skipped by its closing parenthesis):
  // utime and stime are the 12th and 13th of them.
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(after[11]) + Number(after[12]);
}
