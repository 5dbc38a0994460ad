// The zod schemas accept the whole upstream wire contract unchanged and reject what the CRDs reject, at the
// same field. test/integration/crds.test.ts runs the same fixtures against the real apiserver.
import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { BATCH_SANDBOX, POOL, SANDBOX_SNAPSHOT, batchSandboxSchema, poolSchema, sandboxSnapshotSchema } from '../../api/v1alpha1/index.js';
import { invalidObjects, invalidUpdates, validUpdates } from '../fixtures/invalid-objects.js';
import { loadUpstreamFixtures } from '../support/upstream-fixtures.js';

const NAMESPACE = 'api-schemas';

const SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  [BATCH_SANDBOX.kind]: batchSandboxSchema,
  [POOL.kind]: poolSchema,
  [SANDBOX_SNAPSHOT.kind]: sandboxSnapshotSchema,
};

function schemaFor(object: Record<string, unknown>): z.ZodType {
  const schema = SCHEMAS[String(object.kind)];
  if (!schema) throw new Error(`no schema for kind ${String(object.kind)}`);
  return schema;
}

/** Formats a zod issue path the way the apiserver names fields: spec.shardPatches[0].metadata */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((field, key) => (typeof key === 'number' ? `${field}[${key}]` : field ? `${field}.${String(key)}` : String(key)), '');
}

function issueFields(object: Record<string, unknown>): string[] {
  return (
    schemaFor(object)
      .safeParse(object)
      .error?.issues.map((issue) => fieldOf(issue.path)) ?? []
  );
}

describe('upstream fixtures', () => {
  const fixtures = loadUpstreamFixtures(NAMESPACE);
  const byName = (suffix: string) => fixtures.find((f) => f.name.endsWith(suffix))?.object as any;

  it('include every kind, from samples, e2e data and server bodies', () => {
    expect(new Set(fixtures.map((f) => f.object.kind))).toEqual(new Set([BATCH_SANDBOX.kind, POOL.kind, SANDBOX_SNAPSHOT.kind]));
    for (const source of ['samples/', 'e2e-testdata/', 'server-templates/', 'server: ']) {
      expect(fixtures.some((f) => f.name.startsWith(source))).toBe(true);
    }
    expect(fixtures.every((f) => (f.object.metadata as { namespace?: string }).namespace === NAMESPACE)).toBe(true);
  });

  it('render every optional block of the e2e templates', () => {
    const withTemplate = byName('e2e-testdata/batchsandbox-auto-assign-with-template.yaml#0');
    expect(withTemplate.spec.poolRef).toBe('*');
    expect(withTemplate.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '200m', memory: '128Mi' },
    });
    expect(withTemplate.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(withTemplate.spec.template.spec.affinity.nodeAffinity).toBeDefined();
    expect(byName('e2e-testdata/pool-with-nodeselector.yaml#0').metadata.labels).toEqual({ accelerator: 'gpu' });
    const recycle = byName('e2e-testdata/pool-with-recycle.yaml#0');
    expect(recycle.spec.template.spec.containers[0].command).toEqual(['sleep', '3600']);
    expect(byName('e2e-testdata/pool-with-update-strategy.yaml#0').spec.template.spec.containers[0].env).toEqual([{ name: 'VERSION', value: 'v1' }]);
  });

  it('read an under-indented quoted scalar the way kubectl does', () => {
    const restart = byName('samples/sandbox_v1alpha1_pool_restart.yaml#0');
    // The value kubectl (Go YAML) produces for this file.
    expect(restart.spec.template.spec.initContainers[1].args).toEqual([
      'cp ./execd /opt/opensandbox/execd && \n' +
        'cp ./bootstrap.sh /opt/opensandbox/bootstrap.sh &&\n' +
        'chmod +x /opt/opensandbox/execd &&\n' +
        'chmod +x /opt/opensandbox/bootstrap.sh\n',
    ]);
  });

  it('merge the server template under the runtime manifest', () => {
    const merged = byName('server-templates/e2e.batchsandbox-template.yaml#0');
    expect(merged.spec.template.spec).toMatchObject({
      terminationGracePeriodSeconds: 0,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'sandbox' }],
      initContainers: [{ name: 'execd-installer' }],
    });
    expect(merged.metadata.labels['opensandbox.io/id']).toBe(merged.metadata.name);
  });

  it.each(fixtures)('$name parses without losing a field', ({ object }) => {
    const result = schemaFor(object).safeParse(object);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data).toStrictEqual(object);
  });

  it('keep loose scalars inside shard task patches (args: [3600] in the upstream sample)', () => {
    const sample = byName('samples/sandbox_v1alpha1_batchsandbox-with-task.yaml#0');
    expect(sample.spec.shardTaskPatches[1].spec.process.args).toEqual([3600]);
    expect(batchSandboxSchema.parse(sample).spec.shardTaskPatches?.[1]).toEqual(sample.spec.shardTaskPatches[1]);
  });
});

describe('invalid objects', () => {
  const cases = invalidObjects(NAMESPACE);

  it('cover every kind with at least 18 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
    expect(new Set(cases.map((c) => c.object.kind)).size).toBe(3);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name is rejected at $field', ({ object, field }) => {
    expect(issueFields(object)).toContain(field);
  });
});

describe('updates judged only by CRD transition rules', () => {
  const updates = [...invalidUpdates(NAMESPACE), ...validUpdates(NAMESPACE)];

  // zod validates single objects; immutability needs the old object and is enforced by the apiserver.
  it.each(updates)('$name: original and update are each valid', ({ original, update }) => {
    expect(issueFields(original)).toEqual([]);
    expect(issueFields(update)).toEqual([]);
  });
});
