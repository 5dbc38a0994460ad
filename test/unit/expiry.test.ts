// spec.expireTime as the OpenSandbox server writes it (Python isoformat: microseconds, "+00:00") and
// every other form the apiserver's date-time format accepts.
import { describe, expect, it } from '@jest/globals';
import { parseDateTime } from '../../api/v1alpha1/formats.js';
import { expired, expiresAt, msUntilExpiry } from '../../planners/sandbox/expiry.js';
import { aBatchSandbox } from '../builders/batch-sandbox.js';

const withExpiry = (expireTime?: string) => {
  const builder = aBatchSandbox('bs').template();
  return (expireTime === undefined ? builder : builder.expireTime(expireTime)).build();
};

describe('parseDateTime', () => {
  it.each<[string, string | undefined]>([
    ['2026-11-28T17:45:57.348415+00:00', '2026-11-28T17:45:57.348Z'],
    ['2099-01-01T00:00:00+00:00', '2099-01-01T00:00:00.000Z'],
    ['2026-11-28T17:45:57Z', '2026-11-28T17:45:57.000Z'],
    ['2026-11-28t17:45:57.5z', '2026-11-28T17:45:57.500Z'],
    // Date.parse refuses this one; the apiserver accepts any one character before the fraction.
    ['2026-11-28T17:45:57,25Z', '2026-11-28T17:45:57.250Z'],
    ['2026-11-28T17:45:57.348415-05:30', '2026-11-28T23:15:57.348Z'],
    ['2026-11-28T00:15:00+01:00', '2026-11-27T23:15:00.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
    ['2026-02-30T00:00:00Z', undefined],
    ['2026-11-28T17:45:57', undefined],
    ['tomorrow', undefined],
  ])('%s', (value, iso) => {
    const ms = parseDateTime(value);
    expect(ms === undefined ? undefined : new Date(ms).toISOString()).toBe(iso);
  });

  it('agrees with JS Date on what the server writes', () => {
    const server = '2026-11-28T17:45:57.348415+00:00';
    expect(parseDateTime(server)).toBe(new Date(server).getTime());
  });
});

describe('expiry', () => {
  const now = new Date('2026-11-28T17:45:57.000Z');

  it.each<[string, string | undefined, boolean, number | undefined]>([
    ['no expireTime: never', undefined, false, undefined],
    ['in the future (microseconds, +00:00)', '2026-11-28T17:46:07.348415+00:00', false, 10_348],
    ['exactly now: expired', '2026-11-28T17:45:57Z', true, 0],
    ['in the past: expired, nothing left', '2026-11-28T16:00:00+00:00', true, 0],
  ])('%s', (_name, expireTime, isExpired, msLeft) => {
    const bs = withExpiry(expireTime);
    expect(expired(bs, now)).toBe(isExpired);
    expect(msUntilExpiry(bs, now)).toBe(msLeft);
  });

  it('follows a renewal: the deadline is read from the object every time', () => {
    const renewed = withExpiry('2026-11-28T18:45:57+00:00');
    expect(expiresAt(renewed)).toBe(Date.parse('2026-11-28T18:45:57Z'));
    expect(msUntilExpiry(renewed, now)).toBe(3_600_000);
  });
});
