// JSON with object keys sorted at every depth: one text per JSON value whatever the key order, which the
// apiserver, informers and Temporal payloads do not keep. Compare two values by it, or hash it.

/** JSON.stringify with object keys sorted (by UTF-16 code unit) at every depth; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // As JSON.stringify does, a member that has no JSON form becomes null inside an array.
    return `[${value.map((member) => (member === undefined ? 'null' : canonicalJson(member))).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return canonicalJson(toJSON.call(value));
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}
