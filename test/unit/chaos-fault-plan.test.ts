// The chaos run's fault schedule.
import { describe, expect, it } from '@jest/globals';
import { mulberry32, planFaults } from '../../chaos/fault-plan.js';

describe('planFaults', () => {
  const input = { durationMs: 600_000, replicas: 2, killEveryMs: 45_000, seed: 7 };

  it('kills a replica about every interval, crashes Temporal and the apiserver once, and leaves the last fifth quiet', () => {
    const faults = planFaults(input);
    const kills = faults.filter((f) => f.kind === 'kill-replica');
    expect(kills).toHaveLength(10);
    expect(faults.filter((f) => f.kind === 'crash-temporal')).toEqual([{ atMs: 210_000, kind: 'crash-temporal' }]);
    expect(faults.filter((f) => f.kind === 'crash-kube-apiserver')).toEqual([{ atMs: 390_000, kind: 'crash-kube-apiserver' }]);
    expect(Math.max(...faults.map((f) => f.atMs))).toBeLessThanOrEqual(480_000);
    expect(faults.map((f) => f.atMs)).toEqual([...faults.map((f) => f.atMs)].sort((a, b) => a - b));
    // Both replicas get killed, each kill near its slot.
    expect(new Set(kills.map((k) => (k.kind === 'kill-replica' ? k.replica : -1)))).toEqual(new Set([0, 1]));
    kills.forEach((k, i) => expect(Math.abs(k.atMs - (i + 1) * 45_000)).toBeLessThanOrEqual(0.3 * 45_000 + 1));
  });

  it('is the same plan for the same seed and another for another seed', () => {
    expect(planFaults(input)).toEqual(planFaults(input));
    expect(planFaults({ ...input, seed: 8 })).not.toEqual(planFaults(input));
  });

  it('fits a short run: a kill every 15 s in a minute is three kills', () => {
    const faults = planFaults({ durationMs: 60_000, replicas: 2, killEveryMs: 15_000, seed: 1 });
    expect(faults.filter((f) => f.kind === 'kill-replica')).toHaveLength(3);
    expect(faults).toHaveLength(5);
  });
});

describe('mulberry32', () => {
  it('draws uniformly in [0, 1)', () => {
    const random = mulberry32(42);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});
