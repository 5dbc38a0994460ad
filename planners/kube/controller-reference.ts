// The controller reference that ties an object to the sandbox.opensandbox.io object that made it: the
// garbage collector deletes it with its owner, and deleting the owner waits for it (blockOwnerDeletion).
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION } from '../../api/v1alpha1/group.js';

export function controllerReference(kind: string, owner: { name: string; uid?: string }): V1OwnerReference {
  return { apiVersion: API_VERSION, kind, name: owner.name, uid: owner.uid ?? '', controller: true, blockOwnerDeletion: true };
}
