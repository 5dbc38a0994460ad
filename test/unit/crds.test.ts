// Static checks of crds/*.yaml: upstream compatibility field by field, a description on every field,
// CEL rules that name their field, and agreement with the identity and enums of api/v1alpha1.
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  BATCH_SANDBOX,
  GROUP,
  POOL,
  RESOURCES,
  SANDBOX_SNAPSHOT,
  VERSION,
  batchSandboxConditionTypeSchema,
  poolConditionTypeSchema,
  batchSandboxPhaseSchema,
  conditionStatusSchema,
  recycleStrategyTypeSchema,
  sandboxSnapshotConditionTypeSchema,
  sandboxSnapshotPhaseSchema,
  taskResourcePolicySchema,
} from '../../api/v1alpha1/index.js';
import { readCrdFiles } from '../support/crd-files.js';
import { upstreamDir } from '../support/upstream-fixtures.js';

interface Schema {
  type?: string;
  format?: string;
  default?: unknown;
  enum?: unknown[];
  description?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string; reason?: string }[];
}

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: Column[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const ours = readCrdFiles<Crd>();
const upstream = readCrdFiles<Crd>(path.join(upstreamDir(), 'crds'));

function version(crd: Crd | undefined) {
  const [only] = crd?.spec.versions ?? [];
  if (!only) throw new Error('CRD without versions');
  return only;
}

/** Every schema node with its path (properties by name, `[]` for items, `{}` for map values). */
function* nodes(schema: Schema, at = ''): Generator<[string, Schema]> {
  yield [at, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${at}.${name}`);
  if (schema.items) yield* nodes(schema.items, `${at}[]`);
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${at}{}`);
}

/** Keywords whose upstream value must be kept as is (where upstream sets them). */
const KEPT_KEYWORDS = [
  'format',
  'default',
  'enum',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
] as const;

function nodeAt(schema: Schema, at: string): Schema | undefined {
  for (const [path, node] of nodes(schema)) if (path === at) return node;
  return undefined;
}

describe.each(RESOURCES.map((r) => [r.kind, r] as const))('%s CRD', (_kind, names) => {
  const crd = ours.get(names.crdName);
  const upstreamCrd = upstream.get(names.crdName);
  const schema = version(crd).schema.openAPIV3Schema;

  it('has the identity of api/v1alpha1 and upstream', () => {
    expect(crd?.spec.group).toBe(GROUP);
    expect(crd?.spec.scope).toBe('Namespaced');
    expect(crd?.spec.names).toEqual({
      kind: names.kind,
      listKind: names.listKind,
      plural: names.plural,
      singular: names.singular,
      ...(names.shortNames.length > 0 ? { shortNames: [...names.shortNames] } : {}),
    });
    expect(crd?.spec.names).toEqual(upstreamCrd?.spec.names);
    expect(crd?.spec.versions).toHaveLength(1);
    expect(version(crd)).toMatchObject({ name: VERSION, served: true, storage: true, subresources: { status: {} } });
  });

  it('keeps every upstream printer column', () => {
    const columns = version(crd).additionalPrinterColumns ?? [];
    for (const { name, type, jsonPath, priority } of version(upstreamCrd).additionalPrinterColumns ?? []) {
      const expected = { name, type, jsonPath, ...(priority ? { priority } : {}) };
      expect(columns).toContainEqual(expect.objectContaining(expected));
    }
  });

  it('keeps every upstream field with its type, format, default, enum and required list', () => {
    const problems: string[] = [];
    for (const [at, theirs] of nodes(version(upstreamCrd).schema.openAPIV3Schema)) {
      const mine = nodeAt(schema, at);
      if (!mine) {
        problems.push(`${at}: missing`);
        continue;
      }
      // An untyped upstream field is schemaless: ours may add a type as long as unknown fields are kept.
      if (theirs.type !== undefined && mine.type !== theirs.type) problems.push(`${at}: type ${mine.type}`);
      for (const key of KEPT_KEYWORDS) {
        if (theirs[key] !== undefined && !isDeepStrictEqual(mine[key], theirs[key])) problems.push(`${at}: ${key}`);
      }
      const dropped = (theirs.required ?? []).filter((name) => !mine.required?.includes(name));
      if (dropped.length > 0) problems.push(`${at}: no longer requires ${dropped.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every field (kubectl explain), except metadata whose schema the apiserver owns', () => {
    const undescribed = [...nodes(schema)].filter(([at, node]) => at !== '.metadata' && !node.description);
    expect(undescribed.map(([at]) => at)).toEqual([]);
  });

  it('gives every CEL rule a message, and a fieldPath when the rule sits on an object', () => {
    // The apiserver refuses a fieldPath into metadata (not in a CRD's schema): a rule on metadata.name
    // names the field in its message instead.
    const onMetadata = (rule: string) => /^self\.metadata\.\w+/.test(rule);
    const problems = [...nodes(schema)].flatMap(([at, node]) =>
      (node['x-kubernetes-validations'] ?? []).flatMap((rule) => [
        ...(rule.message ? [] : [`${at}: ${rule.rule} has no message`]),
        ...(node.properties && !rule.fieldPath && !onMetadata(rule.rule) ? [`${at}: ${rule.rule} has no fieldPath`] : []),
        ...(onMetadata(rule.rule) && !rule.message?.startsWith('metadata.') ? [`${at}: ${rule.rule} does not name its field first`] : []),
      ]),
    );
    expect(problems).toEqual([]);
  });
});

describe('CRD enums match the zod enums', () => {
  const schemaOf = (crdName: string) => version(ours.get(crdName)).schema.openAPIV3Schema;
  const enumAt = (crdName: string, at: string) => nodeAt(schemaOf(crdName), at)?.enum;

  it.each([
    [BATCH_SANDBOX.crdName, '.status.phase', batchSandboxPhaseSchema.options],
    [BATCH_SANDBOX.crdName, '.status.conditions[].type', batchSandboxConditionTypeSchema.options],
    [BATCH_SANDBOX.crdName, '.status.conditions[].status', conditionStatusSchema.options],
    [BATCH_SANDBOX.crdName, '.spec.taskResourcePolicyWhenCompleted', taskResourcePolicySchema.options],
    [POOL.crdName, '.spec.recycleStrategy.type', recycleStrategyTypeSchema.options],
    [POOL.crdName, '.status.conditions[].type', poolConditionTypeSchema.options],
    [POOL.crdName, '.status.conditions[].status', conditionStatusSchema.options],
    [SANDBOX_SNAPSHOT.crdName, '.status.phase', sandboxSnapshotPhaseSchema.options],
    [SANDBOX_SNAPSHOT.crdName, '.status.conditions[].type', sandboxSnapshotConditionTypeSchema.options],
    [SANDBOX_SNAPSHOT.crdName, '.status.conditions[].status', conditionStatusSchema.options],
  ])('%s %s', (crdName, at, options) => {
    expect(enumAt(crdName, at)).toEqual(options);
  });
});
