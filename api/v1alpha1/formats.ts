// String formats shared by the schemas, written to accept exactly what the CRDs accept on the apiserver.
import { z } from 'zod';

/**
 * DNS-1123 subdomain (names of BatchSandboxes and Pools), the same expression as the CRDs' CEL rules;
 * callers bound the length to 253.
 */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// The apiserver's `format: date-time` check (kube-openapi strfmt.IsDateTime): a calendar date, "t"/"T",
// hh:mm:ss, an optional fraction introduced by any one character, then "z"/"Z" or ±hh:mm. The time zone is
// required. Mirrored here so zod neither rejects a stored object nor accepts one the apiserver refuses; the
// server writes e.g. 2026-11-28T17:45:57.348415+00:00.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[tT]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:.(\d+))?([zZ]|[+-]\d{2}:\d{2})$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0-99 as written
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Milliseconds since the epoch of a date-time the apiserver accepts, or undefined. Not Date.parse: it
 * refuses some of them (a "," before the fraction); digits beyond milliseconds are dropped.
 */
export function parseDateTime(value: string): number | undefined {
  const match = DATE_TIME.exec(value);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!isCalendarDate(year, month, day)) return undefined;
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6])];
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = match[8]!;
  const sign = zone[0] === '-' ? -1 : 1;
  const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const offsetMinutes = zone === 'z' || zone === 'Z' ? 0 : offset;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, millis);
  return date.getTime();
}

export const dateTimeSchema = z.string().refine((value) => parseDateTime(value) !== undefined, {
  message: 'must be an RFC 3339 date-time with a time zone, e.g. 2026-11-28T17:45:57Z',
});

/** `format: int32` fields: the apiserver refuses values outside the 32-bit range. */
export const int32Schema = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);
