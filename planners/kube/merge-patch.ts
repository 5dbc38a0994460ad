// JSON merge patch (RFC 7386) as the apiserver applies it to a custom resource: objects merge key by key, a
// `null` removes its key, anything else (arrays included) replaces the value whole. Keys whose value is
// `undefined` are not sent (JSON has no such value), so they count as absent on both sides.
import { canonicalJson } from './canonical-json.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const definedEntries = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined);

/** Whether applying `patch` to `target` would change it (a write that changes nothing need not be made). */
export function mergePatchChanges(target: unknown, patch: unknown): boolean {
  // Anything but an object replaces the value whole: a change unless the two are the same JSON.
  if (!isObject(patch)) return canonicalJson(target) !== canonicalJson(patch);
  if (!isObject(target)) return true;
  return definedEntries(patch).some(([key, value]) => (value === null ? target[key] !== undefined : mergePatchChanges(target[key], value)));
}
