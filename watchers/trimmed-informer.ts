// client-node's makeInformer, caching objects without metadata.managedFields (as controller-runtime's
// default cache transform does). Nothing in the operator reads them, and they are often the larger part
// of a pod: with 10,000 pool pods cached they cost the watch role hundreds of megabytes (issue 15).
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

export function makeTrimmedInformer<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  labelSelector?: string,
): ListWatch<T> {
  const watch = new Watch(kubeConfig);
  const trimming = {
    watch: (
      watchPath: string,
      query: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, obj: unknown, watchObj?: unknown) => void,
      done: (err: unknown) => void,
    ) => watch.watch(watchPath, query, (phase, obj, watchObj) => callback(phase, withoutManagedFields(obj), watchObj), done),
  } as Watch;
  const trimmedList = async () => {
    const listed = await list();
    for (const item of listed.items) withoutManagedFields(item);
    return listed;
  };
  return new ListWatch(path, trimming, trimmedList, false, labelSelector);
}

/** Drops managedFields in place (the object is fresh from the API and nobody else holds it). */
function withoutManagedFields<T>(obj: T): T {
  const metadata = (obj as { metadata?: { managedFields?: unknown } } | null | undefined)?.metadata;
  if (metadata && 'managedFields' in metadata) delete metadata.managedFields;
  return obj;
}
