// The benchmarks' CPU figures: the machine's busy share and a process's own CPU seconds, from /proc.
import { describe, expect, it } from '@jest/globals';
import { cpuBetween, sampleCpu, type CpuSample } from '../../bench/cpu-usage.js';

describe('cpuBetween', () => {
  it('is the busy share of the machine ticks between two samples and the processes CPU seconds', () => {
    const from: CpuSample = { total: 1_000, busy: 400, processes: [50, 10] };
    const to: CpuSample = { total: 1_400, busy: 700, processes: [150, 35] };
    expect(cpuBetween(from, to)).toEqual({ busyPct: 75, processCpuS: 1.25 });
  });
});

describe('sampleCpu', () => {
  it("counts this process's own CPU time as it spins", () => {
    const before = sampleCpu([process.pid]);
    // Spins until the process has used 0.3 s of CPU by its own count, however busy the machine is (a
    // wall-clock spin got 0.09 s of CPU in CI beside the other test workers).
    const started = process.cpuUsage();
    const cpuSecondsSpent = () => {
      const { user, system } = process.cpuUsage(started);
      return (user + system) / 1e6;
    };
    while (cpuSecondsSpent() < 0.3) Math.sqrt(Math.random());
    const after = sampleCpu([process.pid]);
    const { busyPct, processCpuS } = cpuBetween(before, after);
    expect(processCpuS).toBeGreaterThanOrEqual(0.2);
    expect(busyPct).toBeGreaterThan(0);
    expect(busyPct).toBeLessThanOrEqual(100);
  });
});
