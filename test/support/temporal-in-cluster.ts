// temporal-dev.yaml applied to the real node's cluster as a user would, changed only where this stack
// needs it: the project's Temporal image (no Docker Hub here), the real node's selector and toleration
// (the kwok nodes run nothing), and a hostPath PersistentVolume bound to its claim (no provisioner).
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject, type V1Deployment, type V1PodSpec } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../stack/toolchain.js';
import { waitUntil } from '../../stack/wait-until.js';
import { realNodeTemplate, whyPodCannotStart } from './real-node-pods.js';
import { testKubeConfig, testStackInfo, type RealNodeInfo } from './stack.js';

/** temporal-dev.yaml's user (its runAsUser), who owns the hostPath volume's directory. */
const TEMPORAL_UID = 1000;

export interface TemporalInCluster {
  /** The Service's ClusterIP (no cluster DNS on this stack). */
  clusterIp: string;
  /** `clusterIp:7233`, what the operator's TEMPORAL_ADDRESS names. */
  address: string;
  /** From the first create to the Deployment's pod Ready. */
  applyToReadyMs: number;
  /** Deletes the PersistentVolume (the namespace's deletion takes the rest). */
  removeVolume(): Promise<void>;
}

function manifests(): KubernetesObject[] {
  return parseAllDocuments(readFileSync(join(REPO_ROOT, 'temporal-dev.yaml'), 'utf8')).map((d) => d.toJS() as KubernetesObject);
}

function onRealNode(realNode: RealNodeInfo, deployment: V1Deployment): V1Deployment {
  const pod = deployment.spec!.template.spec!;
  const placement = realNodeTemplate(realNode, []).spec as V1PodSpec;
  return {
    ...deployment,
    spec: {
      ...deployment.spec!,
      template: {
        ...deployment.spec!.template,
        spec: {
          ...pod,
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
          containers: pod.containers.map((c) => ({ ...c, image: realNode.images.temporalDev })),
        },
      },
    },
  };
}

export async function applyTemporalDev(realNode: RealNodeInfo, namespace: string, timeoutMs = 90_000): Promise<TemporalInCluster> {
  const kc = testKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const volumeName = `temporal-dev-data-${namespace}`;
  const dir = join(testStackInfo().dataDir, volumeName);
  mkdirSync(dir, { recursive: true });
  // hostPath volumes get no fsGroup: the directory is the manifest's user's.
  chownSync(dir, TEMPORAL_UID, TEMPORAL_UID);
  await core.createPersistentVolume({
    body: {
      metadata: { name: volumeName },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: dir, type: 'Directory' },
        storageClassName: '',
        claimRef: { namespace, name: 'temporal-dev-data' },
        persistentVolumeReclaimPolicy: 'Retain',
      },
    },
  });
  const removeVolume = async () => {
    await core.deletePersistentVolume({ name: volumeName }).catch(() => {});
  };

  const applied = Date.now();
  for (const manifest of manifests()) {
    const body = manifest.kind === 'Deployment' ? (onRealNode(realNode, manifest) as KubernetesObject) : manifest;
    await objects.create({ ...body, metadata: { ...body.metadata, namespace } });
  }
  let cannotStart: string | undefined;
  await waitUntil(
    async () => {
      for (const pod of (await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=temporal-dev' })).items) {
        cannotStart = (await whyPodCannotStart(core, pod)) ?? cannotStart;
      }
      const deployment = await apps.readNamespacedDeployment({ name: 'temporal-dev', namespace });
      return (deployment.status?.readyReplicas ?? 0) === 1;
    },
    {
      what: 'the Temporal dev server Ready',
      timeoutMs,
      assert: () => {
        if (cannotStart) throw new Error(`the Temporal pod cannot start: ${cannotStart}`);
      },
    },
  );
  const applyToReadyMs = Date.now() - applied;
  const clusterIp = (await core.readNamespacedService({ name: 'temporal-dev', namespace })).spec!.clusterIP!;
  return { clusterIp, address: `${clusterIp}:7233`, applyToReadyMs, removeVolume };
}
