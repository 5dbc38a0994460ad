// The CRDs on the real kube-apiserver: installed and Established with the upstream names and columns,
// accepting the whole upstream wire contract without pruning a field, and rejecting every invalid object
// and update with an error that names the offending field.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, ApiextensionsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { BATCH_SANDBOX, BATCH_SANDBOX_SPEC_DEFAULTS, POOL, RECYCLE_STRATEGY_DEFAULTS, RESOURCES } from '../../api/v1alpha1/index.js';
import { invalidObjects, invalidUpdates, validUpdates } from '../fixtures/invalid-objects.js';
import { readCrdFiles } from '../support/crd-files.js';
import { testKubeConfig } from '../support/stack.js';
import { loadUpstreamFixtures } from '../support/upstream-fixtures.js';

type JsonObject = Record<string, unknown>;
type Resource = KubernetesObject & { spec?: JsonObject };

const FIELD_MANAGER = 'crds-test';
const suffix = randomBytes(4).toString('hex');
const fixturesNamespace = `crds-fixtures-${suffix}`;
// No Pools here, so a running operator cannot auto-assign (rewrite poolRef "*") under the update checks.
const checksNamespace = `crds-checks-${suffix}`;

const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
const core = kc.makeApiClient(CoreV1Api);
const extensions = kc.makeApiClient(ApiextensionsV1Api);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The submitted spec plus what the CRD `default`s add when a field is absent. */
function withApiDefaults(kind: unknown, spec: JsonObject): JsonObject {
  if (kind === BATCH_SANDBOX.kind) return { ...BATCH_SANDBOX_SPEC_DEFAULTS, ...spec };
  if (kind === POOL.kind && isObject(spec.recycleStrategy)) {
    return { ...spec, recycleStrategy: { ...RECYCLE_STRATEGY_DEFAULTS, ...spec.recycleStrategy } };
  }
  return spec;
}

/** Fixtures share names (upstream samples reuse them); suffix each so they coexist in one namespace. */
function renamed(object: JsonObject, index: number): Resource {
  const metadata = object.metadata as { name: string };
  return { ...object, metadata: { ...metadata, name: `${metadata.name}-${index}` } };
}

function apply(object: object): Promise<Resource> {
  return objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** The fields of the Status an apiserver rejection carries (details.causes[].field). */
async function rejection(request: Promise<unknown>): Promise<{ code: number; message: string; fields: string[] }> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const status = JSON.parse(String(error.body)) as {
      message?: string;
      details?: { causes?: { field?: string }[] };
    };
    const fields = (status.details?.causes ?? []).flatMap((cause) => (cause.field ? [cause.field] : []));
    return { code: error.code, message: status.message ?? '', fields };
  }
  throw new Error('request was accepted');
}

beforeAll(async () => {
  for (const name of [fixturesNamespace, checksNamespace]) await core.createNamespace({ body: { metadata: { name } } });
});

afterAll(async () => {
  for (const name of [fixturesNamespace, checksNamespace]) await core.deleteNamespace({ name }).catch(() => undefined);
});

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

const comparable = (columns: readonly Column[] = []) =>
  columns.map(({ name, type, jsonPath, priority }) => ({ name, type, jsonPath, priority: priority ?? 0 }));

describe('installed CRDs', () => {
  const manifests = readCrdFiles<{ spec: { versions: { additionalPrinterColumns?: Column[] }[] } }>();

  it.each([...RESOURCES])('$crdName is Established with its short names and printer columns', async (names) => {
    const crd = await extensions.readCustomResourceDefinition({ name: names.crdName });
    expect(crd.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    expect(crd.spec.names.shortNames ?? []).toEqual([...names.shortNames]);
    const manifest = manifests.get(names.crdName);
    expect(comparable(crd.spec.versions[0]?.additionalPrinterColumns)).toEqual(comparable(manifest?.spec.versions[0]?.additionalPrinterColumns));
  });
});

describe('upstream fixtures', () => {
  const fixtures = loadUpstreamFixtures(fixturesNamespace).map((fixture, index) => ({ ...fixture, index }));

  // Compared on the apply response: it is the object as stored, before any controller (auto-assign rewrites
  // poolRef "*", finalizers, endpoints annotation) can change it. The GET only confirms it was persisted.
  it.each(fixtures)('$name is stored without losing a field', async ({ object, index }) => {
    const submitted = renamed(object, index);
    const stored = await apply(submitted);
    expect(stored.spec).toStrictEqual(withApiDefaults(submitted.kind, submitted.spec ?? {}));
    expect(stored.metadata?.labels ?? {}).toStrictEqual(submitted.metadata?.labels ?? {});
    expect(stored.metadata?.annotations ?? {}).toStrictEqual(submitted.metadata?.annotations ?? {});
    const read = await objects.read({
      apiVersion: submitted.apiVersion,
      kind: submitted.kind,
      metadata: { name: submitted.metadata!.name!, namespace: fixturesNamespace },
    });
    expect(read.metadata?.uid).toBe(stored.metadata?.uid);
  });
});

describe('invalid objects', () => {
  it.each(invalidObjects(checksNamespace))('$name is rejected at $field', async ({ object, field }) => {
    const { code, message, fields } = await rejection(objects.create(object));
    // metadata is not in a CRD's schema: a rule on it sits on the root, which the apiserver reports as
    // field "<nil>"; its message names the field.
    const reported = field.startsWith('metadata.') ? '<nil>' : field;
    expect({ code, fields }).toEqual({ code: 422, fields: expect.arrayContaining([reported]) });
    expect(message).toContain(field);
  });
});

// Applied like the operator and server write: full intent under one field manager, so a field left out of
// the update is removed (e.g. template when poolRef is resolved) and status writes cannot cause conflicts.
describe('updates', () => {
  it.each(invalidUpdates(checksNamespace))('$name is rejected at $field', async ({ original, update, field }) => {
    await apply(original);
    const { code, fields } = await rejection(apply(update));
    expect({ code, fields }).toEqual({ code: 422, fields: expect.arrayContaining([field]) });
  });

  it.each(validUpdates(checksNamespace))('$name is accepted', async ({ original, update }) => {
    await apply(original);
    const updated = await apply(update);
    expect(updated.spec).toStrictEqual(withApiDefaults(update.kind, update.spec as JsonObject));
  });
});
