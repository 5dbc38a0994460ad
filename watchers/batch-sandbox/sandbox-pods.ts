// The pods a BatchSandbox runs, as the informer cache holds them: a non-pooled sandbox's by controller
// UID, a pooled sandbox's by its allocation annotations (alloc-status minus alloc-release).
import type { V1Pod } from '@kubernetes/client-node';
import { namesPool, type BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { ANNOTATIONS, parseAllocationAnnotation } from '../../api/v1alpha1/contract.js';
import { controllerOf } from '../../planners/kube/pod-state.js';
import { sortByIndex } from '../../planners/sandbox/non-pooled-pods.js';
import { mayServePooledSandbox } from '../../planners/pool/pool-pod.js';
import type { InformerView } from '../resource-informer.js';

/** alloc-status and alloc-release, or why one of the allocation annotations does not parse. */
export type SandboxAllocation = { allocated: string[]; release: string[] } | { malformed: string };

export function readAllocation(annotations: Record<string, string>): SandboxAllocation {
  const lists = new Map<string, string[]>();
  for (const annotation of [ANNOTATIONS.allocStatus, ANNOTATIONS.allocRelease, ANNOTATIONS.allocReleased]) {
    const value = annotations[annotation];
    try {
      lists.set(annotation, value === undefined ? [] : parseAllocationAnnotation(value).pods);
    } catch (err) {
      return { malformed: `${annotation}: ${(err as Error).message}` };
    }
  }
  return { allocated: lists.get(ANNOTATIONS.allocStatus)!, release: lists.get(ANNOTATIONS.allocRelease)! };
}

export class SandboxPods {
  constructor(private readonly pods: Pick<InformerView<V1Pod>, 'get' | 'list'>) {}

  /** The pods the sandbox runs, pooled or not. */
  of(sandbox: BatchSandbox): V1Pod[] {
    return namesPool(sandbox.spec.poolRef) ? this.allocated(sandbox, readAllocation(sandbox.metadata.annotations ?? {})) : this.owned(sandbox);
  }

  /** A pooled sandbox's pods: alloc-status minus alloc-release, in allocation order. */
  allocated(sandbox: BatchSandbox, allocation: SandboxAllocation): V1Pod[] {
    if (!('allocated' in allocation)) return [];
    const released = new Set(allocation.release);
    const namespace = sandbox.metadata.namespace ?? '';
    return allocation.allocated
      .filter((name) => !released.has(name))
      .flatMap((name) => this.pods.get(name, namespace) ?? [])
      .filter((pod) => mayServePooledSandbox(pod, sandbox.spec.poolRef ?? '', sandbox.metadata.name));
  }

  /** The pods a non-pooled sandbox controls (by UID), in index order. */
  owned(sandbox: BatchSandbox): V1Pod[] {
    const uid = sandbox.metadata.uid;
    return sortByIndex(this.pods.list(sandbox.metadata.namespace ?? '').filter((pod) => controllerOf(pod)?.uid === uid));
  }
}
