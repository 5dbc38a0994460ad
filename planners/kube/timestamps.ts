// Kubernetes timestamps reach the planners either as Date objects (@kubernetes/client-node) or as RFC 3339
// strings (once a snapshot has crossed Temporal's JSON payload converter), so planners read both shapes.
// `instanceof Date` is avoided on purpose: a Date made outside the workflow sandbox belongs to another
// realm and would fail the check.

export type Timestamp = Date | string | null | undefined;

/** Milliseconds since the epoch, or undefined when the timestamp is absent or unparsable. */
export function epochMs(timestamp: Timestamp): number | undefined {
  if (timestamp === null || timestamp === undefined) return undefined;
  const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : timestamp.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
