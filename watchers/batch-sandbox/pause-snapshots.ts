// A sandbox's pause snapshots: from the informer cache, or from the apiserver when an answer the server
// acts on rests on their absence (the two caches can lag each other: after a watch reconnect a sandbox's
// Paused can arrive before its snapshot's Succeed, which came first).
import type { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import type { BatchSandbox } from '../../api/v1alpha1/batch-sandbox.js';
import { GROUP, SANDBOX_SNAPSHOT, VERSION } from '../../api/v1alpha1/group.js';
import { sandboxSnapshotSchema, type SandboxSnapshot } from '../../api/v1alpha1/sandbox-snapshot.js';
import { isPauseSnapshot } from '../../planners/lifecycle/snapshot-names.js';
import type { InformerView, ResourceInformer } from '../resource-informer.js';

export type SnapshotInformer = Pick<InformerView<KubernetesObject>, 'list'> & Pick<ResourceInformer<KubernetesObject>, 'hasSynced'>;

/** This sandbox's pause snapshots among `objects` (any phase). */
function pauseSnapshotsIn(objects: readonly KubernetesObject[], sandbox: BatchSandbox): SandboxSnapshot[] {
  return objects.flatMap((raw): SandboxSnapshot[] => {
    const parsed = sandboxSnapshotSchema.safeParse(raw);
    const ours = parsed.success && parsed.data.spec.sandboxName === sandbox.metadata.name && isPauseSnapshot(parsed.data);
    return ours ? [parsed.data] : [];
  });
}

export class PauseSnapshots {
  constructor(
    /** Absent when the process watches no snapshots: the cache then holds none. */
    private readonly informer: SnapshotInformer | undefined,
    private readonly customObjects: Pick<CustomObjectsApi, 'listNamespacedCustomObject'>,
  ) {}

  /** Until the first list is in, a snapshot missing from the cache may still exist (undefined: no cache). */
  hasSynced(): boolean | undefined {
    return this.informer?.hasSynced();
  }

  cached(sandbox: BatchSandbox): SandboxSnapshot[] {
    return pauseSnapshotsIn(this.informer?.list(sandbox.metadata.namespace ?? '') ?? [], sandbox);
  }

  async live(sandbox: BatchSandbox): Promise<SandboxSnapshot[]> {
    const namespace = sandbox.metadata.namespace ?? '';
    const request = { group: GROUP, version: VERSION, plural: SANDBOX_SNAPSHOT.plural, namespace };
    const list = (await this.customObjects.listNamespacedCustomObject(request)) as { items: KubernetesObject[] };
    return pauseSnapshotsIn(list.items, sandbox);
  }
}
