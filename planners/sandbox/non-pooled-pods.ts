// Pods of a non-pooled BatchSandbox (spec §2.4): pod i is `<bs>-<i>`, built from spec.template with
// spec.shardPatches[i] strategic-merged into it. Unlike upstream we also scale down: pods whose index is
// at or above spec.replicas are deleted, highest index first (spec §11.7).
import type { V1Pod } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { BATCH_SANDBOX } from '../../api/v1alpha1/group.js';
import { controllerReference } from '../kube/controller-reference.js';
import { inLifecyclePhase } from './batch-sandbox-status.js';
import { isTerminating, podName } from '../kube/pod-state.js';
import { POD_PATCH_SCHEMA, StrategicMergeError, strategicMerge } from '../kube/strategic-merge.js';

const DECIMAL = /^\d+$/;

function parseIndex(value: string | undefined): number | undefined {
  return value !== undefined && DECIMAL.test(value) ? Number(value) : undefined;
}

/** The pod's replica index: its pod-index label, else the integer after the last `-` of its name. */
export function podIndexOf(pod: V1Pod): number | undefined {
  const name = podName(pod);
  return parseIndex(pod.metadata?.labels?.[LABELS.podIndex]) ?? parseIndex(name.slice(name.lastIndexOf('-') + 1));
}

/** Pods in index order, pods without an index last, ties by name (the view's pod order, spec §2.2 step 7). */
export function sortByIndex(pods: readonly V1Pod[]): V1Pod[] {
  const key = (pod: V1Pod) => podIndexOf(pod) ?? Number.POSITIVE_INFINITY;
  return [...pods].sort((a, b) => key(a) - key(b) || podName(a).localeCompare(podName(b)));
}

export function nonPooledPodName(sandbox: BatchSandbox, index: number): string {
  return `${sandbox.metadata.name}-${index}`;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : undefined;
}

/**
 * Pod `index` of a non-pooled sandbox. Throws StrategicMergeError when its shard patch cannot be applied.
 * Name, namespace, the two batch-sandbox labels and the owner reference are set after the patch: the
 * controller finds and counts its pods by them, so a patch must not be able to change them.
 */
export function buildNonPooledPod(sandbox: BatchSandbox, index: number): V1Pod {
  const template = sandbox.spec.template;
  if (template === undefined) throw new StrategicMergeError('spec.template', 'a non-pooled sandbox needs a template');
  const meta = template.metadata ?? {};
  const base: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      labels: { ...meta.labels },
      annotations: { ...meta.annotations },
      ...(stringArray(meta.finalizers) ? { finalizers: stringArray(meta.finalizers) } : {}),
    },
    spec: template.spec,
  };
  const patch = sandbox.spec.shardPatches?.[index];
  const pod = (patch ? strategicMerge(base, patch, POD_PATCH_SCHEMA) : structuredClone(base)) as V1Pod;
  const name = nonPooledPodName(sandbox, index);
  pod.metadata = {
    ...pod.metadata,
    name,
    namespace: sandbox.metadata.namespace,
    labels: {
      ...pod.metadata?.labels,
      [LABELS.podIndex]: String(index),
      [LABELS.batchSandboxName]: sandbox.metadata.name,
    },
    ownerReferences: [controllerReference(BATCH_SANDBOX.kind, sandbox.metadata)],
  };
  return pod;
}

/**
 * Pods created in one pass at most: the created pods' events bring the sandbox back for the next ones. A
 * sandbox with a huge spec.replicas must not make the operator build millions of pod objects at once.
 */
export const MAX_POD_CREATES_PER_PASS = 200;

export interface NonPooledPodPlan {
  /** Pods to create, ascending index. */
  create: V1Pod[];
  /** Pods to delete (scale-down), descending index. */
  delete: V1Pod[];
  /** The first shard patch that cannot be applied; no pod is planned from that index on. */
  invalidShardPatch?: { index: number; message: string };
}

/**
 * What to create and delete so that `pods` (the sandbox's own pods, terminating ones included) match
 * spec.replicas. A terminating pod still holds its index: its name is taken until it is gone, and its
 * deletion event brings the sandbox back here. While Pausing the pause workflow releases the pods (a pod
 * made here after that, or for a pooled sandbox just detached from its Pool, would be neither committed
 * nor wanted), while Paused they are deliberately gone (spec §2.2 step 8), and while Resuming the resume
 * workflow recreates them itself once it has rewritten the template (pods made here from the template
 * before that rewrite would run the old images), so nothing is planned.
 */
export function planNonPooledPods(sandbox: BatchSandbox, pods: readonly V1Pod[]): NonPooledPodPlan {
  const plan: NonPooledPodPlan = { create: [], delete: [] };
  if (inLifecyclePhase(sandbox)) return plan;
  const replicas = sandbox.spec.replicas;
  const taken = new Set(pods.map(podIndexOf));
  for (let index = 0; index < replicas && plan.create.length < MAX_POD_CREATES_PER_PASS; index++) {
    if (taken.has(index)) continue;
    try {
      plan.create.push(buildNonPooledPod(sandbox, index));
    } catch (err) {
      if (!(err instanceof StrategicMergeError)) throw err;
      plan.invalidShardPatch = { index, message: err.message };
      break;
    }
  }
  plan.delete = pods.filter((pod) => !isTerminating(pod) && (podIndexOf(pod) ?? -1) >= replicas).sort((a, b) => podIndexOf(b)! - podIndexOf(a)!);
  return plan;
}
