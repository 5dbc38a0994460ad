// JSON merge patch (RFC 7386) as the apiserver applies it to a custom resource: objects merge key by key, a
// `null` removes its key, anything else (arrays included) replaces the value whole. Keys whose value is
// `undefined` are not sent (JSON has no such value), so they count as absent on both sides.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const definedEntries = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined);

/** Whether applying `patch` to `target` would change it (a write that changes nothing need not be made). */
export function mergePatchChanges(target: unknown, patch: unknown): boolean {
  if (!isObject(patch)) return !sameJson(target, patch);
  if (!isObject(target)) return true;
  return definedEntries(patch).some(([key, value]) => (value === null ? target[key] !== undefined : mergePatchChanges(target[key], value)));
}

/** Structural equality of JSON values; object key order does not matter. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const entries = definedEntries(a);
    return entries.length === definedEntries(b).length && entries.every(([key, value]) => sameJson(value, b[key]));
  }
  return a === b;
}
