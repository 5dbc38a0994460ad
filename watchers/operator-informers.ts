// The informers of the `watch` role: the three OpenSandbox kinds, Pods and the snapshots' Jobs,
// cluster-wide or in one namespace. Controllers subscribe to these (through per-object serial queues keyed
// by kind/namespace/name); every event is also logged at debug and counted by the informer.
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../api/v1alpha1/contract.js';
import { objectLogFields, type Logger } from '../kernel/logger.js';
import { BATCH_SANDBOX, GROUP, POOL, SANDBOX_SNAPSHOT, VERSION, type ResourceNames } from '../api/v1alpha1/group.js';
import { INFORMER_EVENT_TYPES, ResourceInformer } from './resource-informer.js';
import { makeTrimmedInformer } from './trimmed-informer.js';

export interface OperatorInformersOptions {
  kubeConfig: KubeConfig;
  /** '' = all namespaces. */
  namespace: string;
  log: Logger;
}

export interface OperatorInformers {
  batchSandboxes: ResourceInformer<KubernetesObject>;
  pools: ResourceInformer<KubernetesObject>;
  sandboxSnapshots: ResourceInformer<KubernetesObject>;
  pods: ResourceInformer<V1Pod>;
  /** Commit and unpause Jobs of snapshots (labelled with their snapshot). */
  jobs: ResourceInformer<V1Job>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Kinds whose informer has not synced yet (empty = ready). */
  unsynced(): string[];
}

export function createOperatorInformers({ kubeConfig, namespace, log }: OperatorInformersOptions): OperatorInformers {
  const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);

  // Objects stay untyped KubernetesObjects here: they are raw API data until a controller validates them.
  const sandboxInformer = ({ kind, plural }: ResourceNames) => {
    const group = GROUP;
    const version = VERSION;
    const path = namespace ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}` : `/apis/${group}/${version}/${plural}`;
    const list = namespace
      ? () => customObjects.listNamespacedCustomObject({ group, version, namespace, plural })
      : () => customObjects.listClusterCustomObject({ group, version, plural });
    return new ResourceInformer<KubernetesObject>({ kind, listWatch: makeTrimmedInformer(kubeConfig, path, list), log });
  };

  // All pods, not a label selection: pooled and non-pooled sandbox pods carry different labels
  // (pool-name vs batch-sandbox name) and a selector cannot express "either".
  const pods = new ResourceInformer<V1Pod>({
    kind: 'Pod',
    listWatch: namespace
      ? makeTrimmedInformer(kubeConfig, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }))
      : makeTrimmedInformer(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces()),
    log,
  });

  // Only the snapshots' Jobs: their events wake the pause or snapshot runs waiting on them.
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const labelSelector = LABELS.sandboxSnapshotName;
  const jobs = new ResourceInformer<V1Job>({
    kind: 'Job',
    listWatch: namespace
      ? makeTrimmedInformer(
          kubeConfig,
          `/apis/batch/v1/namespaces/${namespace}/jobs`,
          () => batch.listNamespacedJob({ namespace, labelSelector }),
          labelSelector,
        )
      : makeTrimmedInformer(kubeConfig, '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces({ labelSelector }), labelSelector),
    log,
  });

  const informers = {
    batchSandboxes: sandboxInformer(BATCH_SANDBOX),
    pools: sandboxInformer(POOL),
    sandboxSnapshots: sandboxInformer(SANDBOX_SNAPSHOT),
    pods,
    jobs,
  };
  const all: ResourceInformer<KubernetesObject>[] = Object.values(informers);

  for (const informer of all) {
    for (const event of INFORMER_EVENT_TYPES) {
      informer.on(event, (obj) => log.debug({ ...objectLogFields(obj, informer.kind), event, resourceVersion: obj.metadata?.resourceVersion }, 'Watch event'));
    }
  }

  return {
    ...informers,
    start: async () => {
      await Promise.all(all.map((informer) => informer.start()));
    },
    stop: async () => {
      await Promise.all(all.map((informer) => informer.stop()));
    },
    unsynced: () => all.filter((informer) => !informer.hasSynced()).map((informer) => informer.kind),
  };
}
