// A small Kubernetes strategic merge patch (SMP) engine for the two shapes the BatchSandbox API patches:
// Pods (spec.shardPatches) and TaskTemplateSpecs (spec.shardTaskPatches). The JS client has no SMP, and the
// Go implementation is driven by struct tags, so the tags that matter are written out below as a schema
// (spec/opensandbox-operator.md §12).
//
// Semantics, as apimachinery's StrategicMergePatch applies them:
// - maps merge recursively; a `null` value deletes the key;
// - lists with a merge key merge item by item on that key (new items appended), lists of scalars marked
//   as sets are unioned, every other list (command, args, tolerations, ...) is replaced whole;
// - `$patch: replace` on a map replaces it, `$patch: delete` on a map empties it; in a keyed list an item
//   `{"$patch": "replace"}` makes the other items the whole list and `{"<key>": v, "$patch": "delete"}`
//   removes the original item with that key;
// - merged lists are ordered as upstream orders them (see `orderLikeUpstream`: new items go first).
// Other directives (`$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`) are kubectl's
// machinery, not something a hand-written shard patch needs: they are refused rather than half-applied.

export interface PatchSchema {
  /** Nested fields that need more than a plain recursive merge. */
  readonly fields?: Readonly<Record<string, PatchSchema>>;
  /** This field is a list merged item by item on this key (Go `patchMergeKey`); items follow `fields`. */
  readonly mergeKey?: string;
  /** This field is a list of scalars merged as a set (Go `patchStrategy:"merge"` without a key). */
  readonly scalarSet?: boolean;
}

const CONTAINER: PatchSchema = {
  fields: {
    env: { mergeKey: 'name' },
    ports: { mergeKey: 'containerPort' },
    volumeMounts: { mergeKey: 'mountPath' },
    volumeDevices: { mergeKey: 'devicePath' },
  },
};
const CONTAINERS: PatchSchema = { mergeKey: 'name', fields: CONTAINER.fields };

/** core/v1 Pod: the list fields whose Go types carry a patch strategy (tolerations do not: replaced). */
export const POD_PATCH_SCHEMA: PatchSchema = {
  fields: {
    metadata: {
      fields: { finalizers: { scalarSet: true }, ownerReferences: { mergeKey: 'uid' } },
    },
    spec: {
      fields: {
        containers: CONTAINERS,
        initContainers: CONTAINERS,
        ephemeralContainers: CONTAINERS,
        volumes: { mergeKey: 'name' },
        imagePullSecrets: { mergeKey: 'name' },
        hostAliases: { mergeKey: 'ip' },
        topologySpreadConstraints: { mergeKey: 'topologyKey' },
        resourceClaims: { mergeKey: 'name' },
        schedulingGates: { mergeKey: 'name' },
      },
    },
  },
};

/** BatchSandbox TaskTemplateSpec: process env merges by name; command and args are replaced. */
export const TASK_TEMPLATE_PATCH_SCHEMA: PatchSchema = {
  fields: { spec: { fields: { process: { fields: { env: { mergeKey: 'name' } } } } } },
};

/** A patch that cannot be applied; `path` says where, e.g. `spec.containers[name=main]`. */
export class StrategicMergeError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path || '(root)'}: ${reason}`);
    this.name = 'StrategicMergeError';
  }
}

type JsonMap = Record<string, unknown>;

const DIRECTIVE = '$patch';

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (isMap(value)) return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Applies `patch` to a copy of `original`; neither argument is modified. */
export function strategicMerge<T extends JsonMap>(original: T, patch: JsonMap, schema: PatchSchema): T {
  return mergeMap(structuredClone(original), patch, schema, '') as T;
}

/** `original` is owned by the caller (already a copy) and may be modified. */
function mergeMap(original: JsonMap | undefined, patch: JsonMap, schema: PatchSchema, path: string): JsonMap {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const { [DIRECTIVE]: _, ...replacement } = patch;
      return mergeMap(undefined, replacement, schema, path);
    }
    if (directive === 'delete') return {};
    throw new StrategicMergeError(path, `unsupported ${DIRECTIVE} directive ${JSON.stringify(directive)} on a map`);
  }
  const result = original ?? {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new StrategicMergeError(path, `unsupported directive ${key}`);
    if (value === null) {
      delete result[key];
      continue;
    }
    result[key] = mergeValue(result[key], value, schema.fields?.[key] ?? {}, child(path, key));
  }
  return result;
}

function mergeValue(original: unknown, patch: unknown, schema: PatchSchema, path: string): unknown {
  const listField = schema.mergeKey !== undefined || schema.scalarSet === true;
  if (listField && !Array.isArray(patch)) {
    // Taken as is, a string here would later read as a list of its characters (issue 13: "not-a-list"
    // made 10 phantom containers).
    throw new StrategicMergeError(path, `must be a list, got ${describeJson(patch)}`);
  }
  if (isMap(patch)) return mergeMap(isMap(original) ? original : undefined, patch, schema, path);
  if (!Array.isArray(patch)) return patch;
  const items: unknown[] = patch;
  const base: unknown[] = Array.isArray(original) ? original : [];
  if (schema.mergeKey !== undefined) return mergeKeyedList(base, items, schema, schema.mergeKey, path);
  if (schema.scalarSet) return orderLikeUpstream([...new Set([...base, ...items])], items, base, (x) => x);
  return structuredClone(items);
}

function mergeKeyedList(original: unknown[], patch: unknown[], schema: PatchSchema, key: string, path: string): unknown[] {
  const keyOf = (item: unknown): unknown => (isMap(item) ? item[key] : undefined);
  let base = original;
  let replace = false;
  const items: JsonMap[] = [];
  for (const item of patch) {
    if (!isMap(item)) throw new StrategicMergeError(path, `items of a list merged by ${key} must be objects`);
    const directive = item[DIRECTIVE];
    if (directive === undefined) {
      if (!(key in item)) throw new StrategicMergeError(path, `list item has no merge key ${key}`);
      items.push(item);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'delete') {
      if (!(key in item)) throw new StrategicMergeError(path, `${DIRECTIVE}: delete item has no merge key ${key}`);
      base = base.filter((entry) => keyOf(entry) !== item[key]);
    } else {
      throw new StrategicMergeError(path, `unsupported ${DIRECTIVE} directive ${JSON.stringify(directive)} in a list`);
    }
  }
  const itemPath = (item: JsonMap) => `${path}[${key}=${String(item[key])}]`;
  if (replace) return items.map((item) => mergeMap(undefined, item, schema, itemPath(item)));

  const merged = [...base];
  for (const item of items) {
    const at = merged.findIndex((entry) => keyOf(entry) === item[key]);
    const entry = at >= 0 ? merged[at] : undefined;
    const result = mergeMap(isMap(entry) ? entry : undefined, item, schema, itemPath(item));
    if (at >= 0) merged[at] = result;
    else merged.push(result);
  }
  return orderLikeUpstream(merged, items, base, keyOf);
}

/**
 * apimachinery's element order for merged lists (without `$setElementOrder`): the items only the original
 * has, in original order, interleaved with the items the patch names, in patch order. An original-only item
 * goes first only if the next patch item was in the original too, and later; so a new item lands before the
 * original-only items that follow, e.g. patching containers [a] with [b] gives [b, a] (as `kubectl patch`
 * shows in the Kubernetes docs).
 */
function orderLikeUpstream(merged: unknown[], patch: unknown[], original: unknown[], keyOf: (item: unknown) => unknown): unknown[] {
  const patchKeys = [...new Set(patch.map(keyOf))];
  const fromPatch = patchKeys.map((k) => merged.find((item) => keyOf(item) === k));
  const originalOnly = merged.filter((item) => !patchKeys.includes(keyOf(item)));
  const originalIndex = (item: unknown) => original.findIndex((o) => keyOf(o) === keyOf(item));
  const ordered: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < originalOnly.length || j < fromPatch.length) {
    let takeOriginal = j >= fromPatch.length;
    if (!takeOriginal && i < originalOnly.length) {
      const next = originalIndex(fromPatch[j]);
      takeOriginal = next >= 0 && originalIndex(originalOnly[i]) < next;
    }
    ordered.push(takeOriginal ? originalOnly[i++] : fromPatch[j++]);
  }
  return ordered;
}
