// The shape of a pool pod (spec §4.9): built from the Pool's template, named by the caller, labelled with
// the pool and the template revision, and controlled by the Pool so that deleting the Pool collects it.
import type { V1Pod } from '@kubernetes/client-node';
import { LABELS } from '../../api/v1alpha1/contract.js';
import { POOL } from '../../api/v1alpha1/group.js';
import { controllerReference } from '../kube/controller-reference.js';
import type { Pool } from '../../api/v1alpha1/pool.js';

/**
 * The pod to create for `pool` at `revision`. `name` is chosen by the caller instead of upstream's
 * generateName: a create retried after a lost response then meets AlreadyExists rather than making a
 * second pod, which replaces upstream's 5-minute scale expectations.
 */
export function buildPoolPod(pool: Pool, revision: string, name: string): V1Pod {
  const { uid, namespace } = pool.metadata;
  if (!uid) throw new Error(`Pool ${namespace}/${pool.metadata.name} has no uid: pass the Pool as read from the apiserver`);
  // A JSON copy, not structuredClone (absent from Temporal's workflow sandbox): the pod must not share
  // objects with the Pool, and the template is JSON data anyway.
  const template = JSON.parse(JSON.stringify(pool.spec.template)) as Pool['spec']['template'];
  const { labels, annotations, finalizers } = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { ...labels, [LABELS.poolName]: pool.metadata.name, [LABELS.poolRevision]: revision },
      annotations,
      finalizers: finalizers as string[] | undefined,
      ownerReferences: [controllerReference(POOL.kind, { name: pool.metadata.name, uid })],
    },
    spec: template.spec,
  };
}

/** The template revision a pool pod was created from, if it carries one. */
export function podRevision(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[LABELS.poolRevision];
}

/**
 * Whether a pod named in a pooled sandbox's alloc-status may count as its own (its status, endpoints):
 * a pod of the sandbox's Pool not labelled as another sandbox's. An annotation edited to name someone
 * else's pod, or a pod outside the pool, never puts that pod's IP on this sandbox (issue 13).
 */
export function mayServePooledSandbox(pod: V1Pod, poolName: string, sandboxName: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (labels[LABELS.poolName] !== poolName) return false;
  const owner = labels[LABELS.batchSandboxName];
  return owner === undefined || owner === sandboxName;
}
