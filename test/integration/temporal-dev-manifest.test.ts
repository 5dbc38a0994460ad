// temporal-dev.yaml must be accepted by a real kube-apiserver (server-side apply, dry run), and its
// search-attribute flags must match the attributes the operator's workflows use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { searchAttributeFlag } from '../../stack/temporal-dev-server.js';
import { REPO_ROOT } from '../../stack/toolchain.js';
import { OPERATOR_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { testKubeConfig } from '../support/stack.js';

const ns = `temporal-dev-${Date.now().toString(36)}`;
const manifests = parseAllDocuments(readFileSync(join(REPO_ROOT, 'temporal-dev.yaml'), 'utf8')).map((d) => d.toJS() as KubernetesObject);

beforeAll(async () => {
  await testKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await testKubeConfig()
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name: ns })
    .catch(() => {});
});

describe('temporal-dev.yaml', () => {
  it('contains a Deployment, a Service and a PersistentVolumeClaim', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'PersistentVolumeClaim', 'Service']);
  });

  it.each(manifests.map((m) => [`${m.kind}/${m.metadata?.name}`, m] as const))('server-side applies %s with dryRun=All', async (_name, manifest) => {
    const api = KubernetesObjectApi.makeApiClient(testKubeConfig());
    const applied = await api.patch(
      { ...manifest, metadata: { ...manifest.metadata, namespace: ns } },
      undefined,
      'All',
      'temporal-dev-test',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.metadata?.name).toBe(manifest.metadata?.name);
    expect(applied.metadata?.namespace).toBe(ns);
  });

  it('registers every operator search attribute on the dev server', () => {
    const deployment = manifests.find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = deployment.spec.template.spec.containers[0]!.args;
    for (const key of OPERATOR_SEARCH_ATTRIBUTES) {
      expect(args).toContain(searchAttributeFlag(key));
    }
  });
});
