// The read side of the watch role's informers, when they run in the same process as the pool activities:
// observations served from memory instead of API lists. A port: watchers/resource-informer.ts fits it.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';

/** Objects of one kind as an informer holds them. */
export interface CachedObjects<T> {
  hasSynced(): boolean;
  list(namespace?: string): ReadonlyArray<T>;
  get(name: string, namespace?: string): T | undefined;
}

export interface ClusterCache {
  pools: Pick<CachedObjects<KubernetesObject>, 'get' | 'hasSynced'>;
  pods: Pick<CachedObjects<V1Pod>, 'list' | 'hasSynced'>;
  batchSandboxes: Pick<CachedObjects<KubernetesObject>, 'list' | 'hasSynced'>;
}
