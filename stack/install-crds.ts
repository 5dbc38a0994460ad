// Installs the operator's CRDs (crds/*.yaml) with server-side apply and waits until each is Established.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { apiErrorMessage } from '../kernel/kube-errors.js';
import { REPO_ROOT } from './toolchain.js';
import { waitUntil } from './wait-until.js';

export const CRD_DIR = join(REPO_ROOT, 'crds');

// Loaded with client-node's own YAML loader: it yields typed objects that its serializer writes back
// with the `x-kubernetes-*` keys intact (a plain parsed object loses them on the way out).
export function readCrdManifests(dir = CRD_DIR): KubernetesObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => loadAllYaml(readFileSync(join(dir, f), 'utf8')) as KubernetesObject[])
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

export async function installCrds(kc: KubeConfig, timeoutMs: number): Promise<string[]> {
  const crds = readCrdManifests();
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition found in ${CRD_DIR}`);
  return applyCrds(kc, crds, timeoutMs);
}

/** Applies CRDs (server-side) and waits until each is Established and served; returns their names. */
export async function applyCrds(kc: KubeConfig, crds: KubernetesObject[], timeoutMs: number): Promise<string[]> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (const crd of crds) {
    try {
      await objects.patch(crd, undefined, undefined, 'opensandbox-local-stack', true, PatchStrategy.ServerSideApply);
    } catch (err) {
      throw new Error(`applying CRD ${crd.metadata?.name}: ${apiErrorMessage(err)}`, { cause: err });
    }
  }
  const names = crds.map((c) => c.metadata!.name!);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await waitUntil(
    async () => {
      const states = await Promise.all(names.map((name) => ext.readCustomResourceDefinition({ name })));
      if (!states.every((crd) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))) {
        return false;
      }
      // Established comes before the storage for the new kinds is ready (lists answer 429 for a moment);
      // clients started right after this should not see that.
      await Promise.all(
        states.map((crd) =>
          custom.listClusterCustomObject({ group: crd.spec.group, version: crd.spec.versions[0]!.name, plural: crd.spec.names.plural, limit: 1 }),
        ),
      );
      return true;
    },
    { what: `CRDs Established and served: ${names.join(', ')}`, timeoutMs },
  );
  return names;
}
