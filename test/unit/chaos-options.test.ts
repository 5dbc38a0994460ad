// `npm run chaos` options: defaults, durations, and a bad value named.
import { describe, expect, it } from '@jest/globals';
import { parseChaosOptions } from '../../chaos/chaos-options.js';

describe('parseChaosOptions', () => {
  it('defaults to a 10-minute run of 2 replicas and 3 pools', () => {
    expect(parseChaosOptions([])).toEqual({
      durationMs: 600_000,
      replicas: 2,
      pools: 3,
      clientsPerPool: 3,
      killEveryMs: 45_000,
      pauseSandboxes: 2,
      allocationBoundMs: 60_000,
      seed: 1,
      check: false,
      knownOpen: [],
      keep: false,
    });
  });

  it('reads Go durations and counts', () => {
    expect(parseChaosOptions(['--duration=90s', '--kill-every=1m30s', '--replicas=3', '--check'])).toMatchObject({
      durationMs: 90_000,
      killEveryMs: 90_000,
      replicas: 3,
      check: true,
    });
  });

  it('reads the known-open counts and refuses a name that is not one', () => {
    expect(parseChaosOptions(['--known-open=resumes_failed,leaked_pods']).knownOpen).toEqual(['resumes_failed', 'leaked_pods']);
    expect(() => parseChaosOptions(['--known-open=allocation_p99_ms'])).toThrow(/^--known-open\.0: /);
  });

  it('names the bad option', () => {
    expect(() => parseChaosOptions(['--duration=soon'])).toThrow('--duration: expected a duration such as 90s or 10m, got "soon"');
    expect(() => parseChaosOptions(['--replicas=1'])).toThrow(/^--replicas: /);
    expect(() => parseChaosOptions(['--pools=two'])).toThrow(/^--pools: /);
  });
});
