import type { KubernetesObject } from '@kubernetes/client-node';
import type { SandboxRef } from '../../api/object-refs.js';

/** The reference workflows know a sandbox by, once it has a UID. */
export function sandboxRefOf(obj: KubernetesObject): SandboxRef | undefined {
  const { namespace, name, uid } = obj.metadata ?? {};
  return namespace && name && uid ? { namespace, name, uid } : undefined;
}
