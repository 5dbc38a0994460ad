// Detaching a paused pooled sandbox from its Pool (spec §6.3 completePause): once its pods are committed
// the sandbox becomes non-pooled, with a pod template of its own ("solidified"), so resume recreates its
// pods itself (§8 case 40 reads spec.template.spec.containers[0].name at Paused).
//
// The template: upstream copies the live pod spec, including what admission added (service-account
// token volumes, nodeName cleared only), which can fail admission or double-inject on resume (spec §10
// B13). Here the Pool's template is used when the pod still runs the Pool's current revision (it is
// exactly what the pod was built from); otherwise the live pod is copied without what the cluster added.
// The patch also drops the allocation annotations, so nothing can later mistake the old pool pods for
// this sandbox's (spec §10 R2), and the pool-allocation finalizer. The Pool's workflow sees the sandbox
// leave the pool and releases its pods through the Pool's recycle strategy.
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, FINALIZERS, LABELS } from '../../api/v1alpha1/contract.js';
import type { PodTemplate } from '../../api/v1alpha1/pod-template.js';

/** Pod labels that tie a pod to a pool or a replica, not to what it runs. */
const PLACEMENT_LABELS: readonly string[] = [LABELS.poolName, LABELS.poolRevision, LABELS.batchSandboxName, LABELS.podIndex];
/** Pod annotations a pool writes for its own bookkeeping. */
const POOL_ANNOTATIONS: readonly string[] = [ANNOTATIONS.restartRecord];
/** The projected service-account token volume the ServiceAccount admission plugin injects. */
const INJECTED_VOLUME = /^kube-api-access-[a-z0-9]+$/;

export interface SolidifyInput {
  /** The source pod of replica 0. */
  pod: V1Pod;
  /** The Pool's template, given only when the pod's pool-revision label equals the Pool's revision. */
  poolTemplate?: PodTemplate;
}

function withoutKeys(map: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => !keys.includes(key)));
}

function withoutInjectedMounts(container: V1Container): V1Container {
  if (container.volumeMounts === undefined) return container;
  return { ...container, volumeMounts: container.volumeMounts.filter((m) => !INJECTED_VOLUME.test(m.name)) };
}

/** The live pod spec minus node binding, admission-injected token volumes and resolved priority. */
function portableSpec(spec: V1PodSpec): V1PodSpec {
  const copy = structuredClone(spec);
  delete copy.nodeName;
  // Priority admission resolves priorityClassName into priority and refuses a pod that sets both apart.
  delete copy.priority;
  // Deprecated alias of serviceAccountName that the apiserver fills in.
  delete copy.serviceAccount;
  copy.containers = copy.containers.map(withoutInjectedMounts);
  if (copy.initContainers) copy.initContainers = copy.initContainers.map(withoutInjectedMounts);
  if (copy.volumes) copy.volumes = copy.volumes.filter((v) => !INJECTED_VOLUME.test(v.name));
  return copy;
}

/** The template the detached sandbox keeps: what its replica-0 pod runs, without pool bookkeeping. */
export function solidifiedTemplate({ pod, poolTemplate }: SolidifyInput): PodTemplate {
  const spec = poolTemplate ? structuredClone(poolTemplate.spec) : portableSpec(pod.spec ?? { containers: [] });
  const labels = withoutKeys(pod.metadata?.labels, PLACEMENT_LABELS);
  const annotations = withoutKeys(pod.metadata?.annotations, POOL_ANNOTATIONS);
  return {
    metadata: {
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: spec as PodTemplate['spec'],
  };
}

/**
 * The merge patch that detaches `sandbox` (read just before) from its Pool: template set and poolRef
 * cleared in one write (the CRD allows clearing poolRef only together with a template), shard patches
 * dropped (pooled pods never had them applied), allocation annotations and the pool-allocation finalizer
 * removed. Guarded by resourceVersion: a conflict means re-read and re-plan.
 */
export function poolDetachPatch(sandbox: BatchSandbox, template: PodTemplate): Record<string, unknown> {
  return {
    metadata: {
      resourceVersion: sandbox.metadata.resourceVersion,
      finalizers: (sandbox.metadata.finalizers ?? []).filter((f) => f !== FINALIZERS.poolAllocation),
      annotations: { [ANNOTATIONS.allocStatus]: null, [ANNOTATIONS.allocRelease]: null },
    },
    spec: { poolRef: '', template, shardPatches: null },
  };
}
