// The informers of the `watch` role: the three OpenSandbox kinds, Pods and the snapshots' Jobs,
// cluster-wide or in one namespace. Controllers subscribe to these (through per-object serial queues keyed
// by kind/namespace/name); every event is also logged at debug and counted by the informer.
import type { KubeConfig, KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../api/v1alpha1/contract.js';
import { objectLogFields, type Logger } from '../kernel/logger.js';
import { BATCH_SANDBOX, GROUP, POOL, SANDBOX_SNAPSHOT, VERSION, type ResourceNames } from '../api/v1alpha1/group.js';
import { INFORMER_EVENT_TYPES, ResourceInformer } from './resource-informer.js';
import { compactPod } from './compact-pod.js';
import { makeTrimmedInformer, type TrimmedInformerOptions } from './trimmed-informer.js';

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
  const scoped = (prefix: string, plural: string) => (namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`);

  const informer = <T extends KubernetesObject>(kind: string, path: string, options: Pick<TrimmedInformerOptions<T>, 'labelSelector' | 'keep'> = {}) =>
    new ResourceInformer<T>({ kind, listWatch: makeTrimmedInformer<T>(kubeConfig, path, { kind, log, ...options }), log });

  // Objects stay untyped KubernetesObjects here: they are raw API data until a controller validates them.
  const sandboxInformer = ({ kind, plural }: ResourceNames) => informer<KubernetesObject>(kind, scoped(`/apis/${GROUP}/${VERSION}`, plural));

  // All pods, not a label selection: pooled and non-pooled sandbox pods carry different labels
  // (pool-name vs batch-sandbox name) and a selector cannot express "either".
  // Only what the operator reads of a pod is kept (compact-pod.ts): every pod of the namespaces is cached.
  const pods = informer<V1Pod>('Pod', scoped('/api/v1', 'pods'), { keep: compactPod });

  // Only the snapshots' Jobs: their events wake the pause or snapshot runs waiting on them.
  const jobs = informer<V1Job>('Job', scoped('/apis/batch/v1', 'jobs'), { labelSelector: LABELS.sandboxSnapshotName });

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
