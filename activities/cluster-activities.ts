// Activities that inspect the cluster the operator runs against.
// A factory over its dependencies (anchors #1): the worker passes the real KubeConfig, tests may
// pass one for another cluster; the workflow only ever sees the returned functions' types.
import { ApiException, ApiextensionsV1Api, VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../operator/logger.js';
import { RESOURCES } from '../api/v1alpha1/group.js';

export interface CrdStatus {
  /** e.g. `pools.sandbox.opensandbox.io` */
  name: string;
  found: boolean;
  /** The Established condition is True: the API server serves the kind. */
  established: boolean;
  servedVersions: string[];
}

export interface OperatorCrdsReport {
  /** The API server's gitVersion, e.g. `v1.36.3`. */
  kubernetesVersion: string;
  crds: CrdStatus[];
}

export interface ClusterActivitiesDeps {
  kubeConfig: KubeConfig;
  log: Logger;
}

export function createClusterActivities({ kubeConfig, log }: ClusterActivitiesDeps) {
  const apiextensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const versionApi = kubeConfig.makeApiClient(VersionApi);

  async function crdStatus(name: string): Promise<CrdStatus> {
    try {
      const crd = await apiextensions.readCustomResourceDefinition({ name });
      return {
        name,
        found: true,
        established: crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false,
        servedVersions: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
      };
    } catch (err) {
      // A missing CRD is a finding to report, not a failure to retry.
      if (err instanceof ApiException && err.code === 404) {
        return { name, found: false, established: false, servedVersions: [] };
      }
      throw err;
    }
  }

  return {
    /** The operator's three CRDs (installed? established? which versions?) and the API server version. */
    async checkOperatorCrds(): Promise<OperatorCrdsReport> {
      const [version, crds] = await Promise.all([
        versionApi.getCode(),
        Promise.all(RESOURCES.map((resource) => crdStatus(resource.crdName))),
      ]);
      log.debug({ kubernetesVersion: version.gitVersion, crds }, 'Checked operator CRDs');
      return { kubernetesVersion: version.gitVersion, crds };
    },
  };
}

export type ClusterActivities = ReturnType<typeof createClusterActivities>;
